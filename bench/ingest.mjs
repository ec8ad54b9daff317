#!/usr/bin/env node
// npm run bench:ingest -- [MBOX[.gz]] [--large-mail [--min-bytes N]] [--runs N] [--jobs N] [--no-epochs]
//                        [--with-public-inbox]
// Ingests MBOX (the virtualization list by default) into a fresh store with the real CLI, --runs times
// (1 by default), and prints for each run and their median: messages/s, wall time, CPU seconds
// (user + sys, the figure to compare on a shared machine) and how they split between the main
// thread (SQLite, threading, series) and the others (parse workers, gunzip, V8's helpers), peak RSS,
// store size and the load average around the run. --large-mail ingests the large patch mails
// instead (bench/large-mail.mjs, written to a temporary file). Compared with public-inbox 1.9:
// --with-public-inbox builds a v2 inbox of the same mbox as ../shared/tools/pi-reference does and
// times public-inbox-index alone; otherwise the figures measured on this machine for the
// virtualization list are shown (for that list only).

// @ts-check
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, LOREKEEPER, CORPUS, measured, duBytes, positiveOption } from './lib.mjs';
import { writeLargeMail } from './large-mail.mjs';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'large-mail': { type: 'boolean' },
    'min-bytes': { type: 'string' },
    runs: { type: 'string' },
    jobs: { type: 'string' },
    'with-public-inbox': { type: 'boolean' },
    // lorekeeper writes the inbox's public-inbox epochs by default; without them, to compare
    'no-epochs': { type: 'boolean' },
  },
});
const num = positiveOption('bench:ingest');
const runs = Math.round(num(opt.runs, '--runs', 1));
const work = mkdtempSync(join(tmpdir(), 'lk-bench-'));

/** public-inbox-index 1.9 on the virtualization archive, on this 2-core machine (issue 2). */
const PUBLIC_INBOX_VIRTUALIZATION = { seconds: 207, messages: 27549, rssMB: 108, storeMB: 742 };

let source = positionals[0] ?? CORPUS;
if (opt['large-mail']) {
  const minBytes = num(opt['min-bytes'], '--min-bytes', 8000);
  const out = join(work, `large-mail-${minBytes}.mbox`);
  const { messages, bytes } = await writeLargeMail(source, out, minBytes);
  console.log(
    `large mail: the patch mails of ${source} of ${minBytes} bytes or more: ${messages} messages, ` +
      `${(bytes / 2 ** 20).toFixed(1)} MiB, ${Math.round(bytes / messages)} bytes on average`,
  );
  source = out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
};

/** One `lorekeeper ingest` into a fresh store: its summary and what it cost. */
async function lorekeeperRun(i) {
  const data = join(work, `store-${i}`);
  const jobs = opt.jobs === undefined ? [] : ['--jobs', opt.jobs];
  const r = await measured(process.execPath, [
    LOREKEEPER,
    'ingest',
    '--data',
    data,
    '--inbox',
    'bench',
    '--json',
    ...jobs,
    ...(opt['no-epochs'] ? ['--no-epochs'] : []),
    source,
  ]);
  const summary = JSON.parse(r.stdout.trim());
  // the store and the epochs it wrote (DIR/inboxes)
  const storeMB = duBytes(data) / 2 ** 20;
  rmSync(data, { recursive: true, force: true });
  return { summary, r, storeMB };
}

const results = [];
for (let i = 0; i < runs; i++) {
  const res = await lorekeeperRun(i);
  results.push(res);
  const { r } = res;
  const main = r.threads[0];
  console.log(
    `run ${i + 1}: ${res.summary.read} messages in ${r.seconds.toFixed(1)} s, CPU ${(r.user + r.sys).toFixed(1)} s ` +
      `(${r.user.toFixed(1)} user, ${r.sys.toFixed(1)} sys; main thread ${main.toFixed(1)} s, ` +
      `other threads ${r.threads
        .slice(1, 3)
        .map((t) => t.toFixed(1))
        .join(' + ')} + ` +
      `${r.threads
        .slice(3)
        .reduce((a, b) => a + b, 0)
        .toFixed(1)}), peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB, load ${r.load.join(' -> ')}`,
  );
}
const summary = results[0].summary;
const ours = {
  seconds: median(results.map((x) => x.r.seconds)),
  cpu: median(results.map((x) => x.r.user + x.r.sys)),
  main: median(results.map((x) => x.r.threads[0])),
  rssMB: median(results.map((x) => x.r.peakRss / 2 ** 20)),
  storeMB: median(results.map((x) => x.storeMB)),
};

let pi;
let piNote;
if (opt['with-public-inbox']) {
  // pi-reference's steps, with public-inbox-index timed alone
  const home = join(work, 'home');
  mkdirSync(home);
  const env = { ...process.env, HOME: home };
  const dir = join(work, 'bench-pi');
  const sh = (cmd) => {
    const r = spawnSync('bash', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`failed: ${cmd}`);
  };
  sh(`git config --global user.name bench && git config --global user.email bench@localhost`);
  sh(`public-inbox-init -V2 bench ${dir} http://127.0.0.1/bench bench@example.org`);
  sh(`rm -rf ${dir}/git/0.git && git init -q --bare ${dir}/git/0.git`);
  const importer = join(root, '..', 'shared', 'tools', 'mbox2fastimport.py');
  sh(`python3 ${importer} ${source} | git --git-dir=${dir}/git/0.git fast-import --quiet`);
  const r = await measured('public-inbox-index', [dir], env);
  pi = {
    seconds: r.seconds,
    cpu: r.user + r.sys,
    messages: summary.read,
    rssMB: r.peakRss / 2 ** 20,
    storeMB: duBytes(dir) / 2 ** 20,
  };
  piNote = `public-inbox figures: public-inbox-index measured now (load ${r.load.join(' -> ')})`;
} else if (source === CORPUS) {
  pi = { ...PUBLIC_INBOX_VIRTUALIZATION, cpu: NaN };
  piNote =
    'public-inbox figures: measured on this machine for virtualization.mbox.gz (--with-public-inbox measures now)';
}

/** A line of the table: ours (`a`) and public-inbox's (`b`), and `better(b)` saying by how much when there is `b`. */
const row = (name, a, b, unit, better) =>
  `${name.padEnd(18)} ${a.toFixed(1).padStart(10)} ${unit.padEnd(6)} ${(b === undefined ? '-' : b.toFixed(1)).padStart(10)} ${unit.padEnd(6)} ${b === undefined ? '' : better(b)}`;
console.log(
  `lorekeeper ingest of ${source}: ${summary.read} read, ${summary.added} added, ${summary.duplicates} duplicates, ` +
    `${summary.quarantined} quarantined; median of ${runs} run(s)`,
);
console.log(`${''.padEnd(18)} ${'lorekeeper'.padStart(17)} ${'public-inbox'.padStart(17)}`);
const perSecond = summary.read / ours.seconds;
const piPerSecond = pi && pi.messages / pi.seconds;
console.log(row('messages/s', perSecond, piPerSecond, 'msg/s', (b) => `${(perSecond / b).toFixed(1)}x faster`));
console.log(row('wall time', ours.seconds, pi?.seconds, 's', () => ''));
console.log(row('CPU (user+sys)', ours.cpu, pi?.cpu, 's', (b) => `${(b / ours.cpu).toFixed(1)}x less`));
console.log(row('  main thread', ours.main, undefined, 's', () => ''));
console.log(row('peak RSS', ours.rssMB, pi?.rssMB, 'MiB', (b) => `${(ours.rssMB / b).toFixed(2)}x`));
console.log(
  row(
    'store size',
    ours.storeMB,
    pi?.storeMB,
    'MiB',
    (b) => `${((ours.storeMB / b) * 100).toFixed(0)}% of public-inbox`,
  ),
);
if (piNote) console.log(piNote);
rmSync(work, { recursive: true, force: true });
