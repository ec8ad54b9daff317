#!/usr/bin/env node
// npm run bench:ingest -- MBOX[.gz] [--runs N] [--with-public-inbox]
// Ingests MBOX into a fresh store with the real CLI, writing the inbox's public-inbox epochs (as
// `lorekeeper ingest` does by default) and without them (--no-epochs), the two alternating, --runs
// (1) times each, and prints for each the median messages/s, CPU time, peak RSS and disk (the store,
// the epochs), as ratios against public-inbox 1.9 on the same data (measured live with
// --with-public-inbox, otherwise the figures measured on this machine for the virtualization archive).
// The machine's load average is printed with each run: other programs' work slows every figure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, LOREKEEPER, measured, duBytes, positiveOption } from './lib.mjs';

const args = process.argv.slice(2);
const source = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
if (!source) {
  console.error('usage: npm run bench:ingest -- MBOX[.gz] [--runs N] [--with-public-inbox]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const RUNS = Math.round(positiveOption('bench:ingest')(runsAt < 0 ? undefined : args[runsAt + 1], '--runs', 1));

/** public-inbox-index 1.9 on the virtualization archive, on this 2-core machine (issue 2). */
const PUBLIC_INBOX_VIRTUALIZATION = { seconds: 207, messages: 27549, rssMB: 108, storeMB: 742 };

const MiB = 2 ** 20;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
};

/** One ingest into a fresh data directory; its figures. */
async function ingestOnce(epochs) {
  const data = mkdtempSync(join(tmpdir(), 'lk-bench-'));
  const load = loadavg()[0];
  const run = await measured(process.execPath, [
    LOREKEEPER,
    'ingest',
    '--data',
    data,
    '--inbox',
    'bench',
    '--json',
    ...(epochs ? [] : ['--no-epochs']),
    source,
  ]);
  const summary = JSON.parse(run.stdout.trim());
  const epochsDir = join(data, 'inboxes');
  const figures = {
    summary,
    seconds: summary.seconds,
    perSecond: summary.read / summary.seconds,
    cpuSeconds: run.cpuSeconds,
    rssMB: run.peakRss / MiB,
    storeMB: duBytes(data) / MiB - (existsSync(epochsDir) ? duBytes(epochsDir) / MiB : 0),
    epochsMB: existsSync(epochsDir) ? duBytes(epochsDir) / MiB : 0,
    load,
  };
  rmSync(data, { recursive: true, force: true });
  return figures;
}

const modes = { 'with epochs': [], 'no epochs': [] };
for (let i = 0; i < RUNS; i++) {
  for (const [mode, list] of Object.entries(modes)) {
    const f = await ingestOnce(mode === 'with epochs');
    list.push(f);
    console.error(
      `bench:ingest: run ${i + 1}, ${mode}: ${f.perSecond.toFixed(0)} msg/s (${f.seconds.toFixed(1)} s, ` +
        `${f.cpuSeconds.toFixed(1)} s of CPU) at load ${f.load.toFixed(1)}`,
    );
  }
}

let pi = PUBLIC_INBOX_VIRTUALIZATION;
let piNote =
  'public-inbox figures: measured on this machine for virtualization.mbox.gz (pass --with-public-inbox to measure now)';
const first = modes['with epochs'][0].summary;
if (args.includes('--with-public-inbox')) {
  const work = mkdtempSync(join(tmpdir(), 'lk-bench-pi-'));
  const tool = join(root, '..', 'shared', 'tools', 'pi-reference');
  const r = await measured('bash', [tool, source, 'bench', '18089'], { ...process.env, PI_WORK: work });
  const log = readFileSync(join(work, 'bench.index.log'), 'utf8');
  spawnSync('bash', ['-c', `kill $(cat ${join(work, 'httpd-18089.pid')}) 2>/dev/null`]);
  pi = {
    seconds: r.seconds,
    messages: first.read,
    rssMB: r.peakRss / MiB,
    storeMB: duBytes(join(work, 'bench')) / MiB,
  };
  piNote = `public-inbox figures: measured now (git import + public-inbox-index, ${log.split('\n').length} log lines)`;
  rmSync(work, { recursive: true, force: true });
}
const piRate = pi.messages / pi.seconds;

console.log(
  `lorekeeper ingest of ${source}: ${first.read} read, ${first.added} added, ${first.duplicates} duplicates, ` +
    `${first.quarantined} quarantined; medians of ${RUNS} run(s) each`,
);
const cell = (v, unit) => `${v.toFixed(1)} ${unit}`.padStart(14);
console.log(`${''.padEnd(18)}${'with epochs'.padStart(14)}${'no epochs'.padStart(14)}${'public-inbox'.padStart(14)}`);
const line = (name, pick, unit, piValue, note) =>
  console.log(
    `${name.padEnd(18)}${cell(median(modes['with epochs'].map(pick)), unit)}${cell(median(modes['no epochs'].map(pick)), unit)}` +
      `${piValue === undefined ? ''.padStart(14) : cell(piValue, unit)}  ${note ?? ''}`,
  );
const rate = (mode) => median(modes[mode].map((f) => f.perSecond));
line(
  'messages/s',
  (f) => f.perSecond,
  'msg/s',
  piRate,
  `${(rate('with epochs') / piRate).toFixed(1)}x and ${(rate('no epochs') / piRate).toFixed(1)}x public-inbox`,
);
line('wall time', (f) => f.seconds, 's', pi.seconds);
line('CPU time', (f) => f.cpuSeconds, 's', undefined, 'the process tree: parse workers, git fast-import');
line('peak RSS', (f) => f.rssMB, 'MiB', pi.rssMB);
line('store', (f) => f.storeMB, 'MiB', undefined, 'SQLite (the raw bytes in its blob table) and admin.git');
line('epochs', (f) => f.epochsMB, 'MiB', undefined, 'DATA/inboxes/NAME/git/N.git');
const disk = (mode) => median(modes[mode].map((f) => f.storeMB + f.epochsMB));
line(
  'store + epochs',
  (f) => f.storeMB + f.epochsMB,
  'MiB',
  pi.storeMB,
  `${((disk('with epochs') / pi.storeMB) * 100).toFixed(1)}% of public-inbox (its git epochs and indexes)`,
);
console.log(
  `load average     ${Object.entries(modes)
    .map(([m, fs]) => `${m}: ${fs.map((f) => f.load.toFixed(1)).join(', ')}`)
    .join('; ')}`,
);
console.log(piNote);
