#!/usr/bin/env node
// npm run bench:ingest -- MBOX[.gz] [--with-public-inbox]
// Ingests MBOX into a fresh store with the real CLI and prints messages/s, peak RSS and store size,
// as ratios against public-inbox 1.9 on the same data (measured live with --with-public-inbox,
// otherwise the figures measured on this machine for the virtualization archive).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, LOREKEEPER, measured, duBytes } from './lib.mjs';

const args = process.argv.slice(2);
const source = args.find((a) => !a.startsWith('--'));
if (!source) {
  console.error('usage: npm run bench:ingest -- MBOX[.gz] [--with-public-inbox]');
  process.exit(2);
}

/** public-inbox-index 1.9 on the virtualization archive, on this 2-core machine (issue 2). */
const PUBLIC_INBOX_VIRTUALIZATION = { seconds: 207, messages: 27549, rssMB: 108, storeMB: 742 };

const data = mkdtempSync(join(tmpdir(), 'lk-bench-'));
const run = await measured(process.execPath, [
  LOREKEEPER,
  'ingest',
  '--data',
  data,
  '--inbox',
  'bench',
  '--json',
  source,
]);
const summary = JSON.parse(run.stdout.trim());
const storeBytes = duBytes(data);
const ours = {
  messages: summary.read,
  seconds: summary.seconds,
  perSecond: summary.read / summary.seconds,
  rssMB: run.peakRss / 2 ** 20,
  storeMB: storeBytes / 2 ** 20,
};

let pi = PUBLIC_INBOX_VIRTUALIZATION;
let piNote =
  'public-inbox figures: measured on this machine for virtualization.mbox.gz (pass --with-public-inbox to measure now)';
if (args.includes('--with-public-inbox')) {
  const work = mkdtempSync(join(tmpdir(), 'lk-bench-pi-'));
  const tool = join(root, '..', 'shared', 'tools', 'pi-reference');
  const r = await measured('bash', [tool, source, 'bench', '18089'], { ...process.env, PI_WORK: work });
  const log = readFileSync(join(work, 'bench.index.log'), 'utf8');
  spawnSync('bash', ['-c', `kill $(cat ${join(work, 'httpd-18089.pid')}) 2>/dev/null`]);
  pi = {
    seconds: r.seconds,
    messages: summary.read,
    rssMB: r.peakRss / 2 ** 20,
    storeMB: duBytes(join(work, 'bench')) / 2 ** 20,
  };
  piNote = `public-inbox figures: measured now (git import + public-inbox-index, ${log.split('\n').length} log lines)`;
  rmSync(work, { recursive: true, force: true });
}

const row = (name, a, b, unit, better) =>
  `${name.padEnd(18)} ${a.toFixed(1).padStart(10)} ${unit.padEnd(6)} ${b.toFixed(1).padStart(10)} ${unit.padEnd(6)} ${better}`;
console.log(
  `lorekeeper ingest of ${source}: ${summary.read} read, ${summary.added} added, ${summary.duplicates} duplicates, ${summary.quarantined} quarantined`,
);
console.log(`${''.padEnd(18)} ${'lorekeeper'.padStart(17)} ${'public-inbox'.padStart(17)}`);
console.log(
  row(
    'messages/s',
    ours.perSecond,
    pi.messages / pi.seconds,
    'msg/s',
    `${(ours.perSecond / (pi.messages / pi.seconds)).toFixed(1)}x faster`,
  ),
);
console.log(row('wall time', ours.seconds, pi.seconds, 's', ''));
console.log(row('peak RSS', ours.rssMB, pi.rssMB, 'MiB', `${(ours.rssMB / pi.rssMB).toFixed(2)}x`));
console.log(
  row(
    'store size',
    ours.storeMB,
    pi.storeMB,
    'MiB',
    `${((ours.storeMB / pi.storeMB) * 100).toFixed(0)}% of public-inbox`,
  ),
);
console.log(piNote);
rmSync(data, { recursive: true, force: true });
