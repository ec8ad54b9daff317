#!/usr/bin/env node
// npm run bench:raw-source -- [--data DIR] [--inbox NAME] [--sample N] [--rounds N]
//
// Where /raw should read a message's bytes from: the store's blob table (what lorekeeper does:
// one SQLite row, inflated with the shared dictionary) or the inbox's git epoch (one `git cat-file
// --batch` kept open, asked for `COMMIT:m`, as a server without the blob table would). --sample
// (2,000) messages drawn at random are read one at a time from each, alternately, --rounds (3)
// times; printed: the time per message (median and p99 of each read, and the mean), the CPU time
// of this process and of git, and the bytes each keeps. A --data directory must hold an inbox
// with epochs (mail ingested with them); without --data the virtualization list is ingested first.

// @ts-check
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CORPUS,
  STORE_FILE,
  duBytes,
  fmtMs,
  ingest,
  log,
  positiveOption,
  prng,
  shuffle,
  statTicks,
  usage,
} from './lib.mjs';
import { StoreReader } from '../dist/store/reader.js';
import { StoreSamples } from '../dist/store/samples.js';

const PROG = 'bench:raw-source';
const { values: opt } = parseArgs({
  options: {
    data: { type: 'string' },
    inbox: { type: 'string' },
    sample: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log(usage(import.meta.url));
  process.exit(0);
}
const num = positiveOption(PROG);
const SAMPLE = Math.round(num(opt.sample, '--sample', 2000));
const ROUNDS = Math.round(num(opt.rounds, '--rounds', 3));
const INBOX = opt.inbox ?? 'virtualization';

let data = opt.data && resolve(opt.data);
if (!data) {
  data = mkdtempSync(join(tmpdir(), 'lk-raw-source-'));
  log(`${PROG}: ingesting ${CORPUS} into ${data} ...`);
  await ingest(data, INBOX, [CORPUS]);
}
const epochDir = (n) => join(data, 'inboxes', INBOX, 'git', `${n}.git`);

/** git's output as text. */
function gitText(gitDir, args) {
  return new Promise((res, rej) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`git ${args[0]} exited ${code}`))));
  });
}

// the stored messages in article order, and the commits of the epochs in the same order
const db = new StoreSamples(data);
const inboxId = db.inboxId(INBOX);
if (inboxId === undefined) {
  console.error(`${PROG}: no inbox ${INBOX} in ${data}`);
  process.exit(2);
}
const nums = db.messageNums(inboxId);
const tips = db.epochs(inboxId);
/** @type {{ epoch: number, commit: string }[]} */
const commits = [];
for (const n of tips)
  for (const c of (await gitText(epochDir(n), ['log', '--reverse', '--format=%H', 'master'])).split('\n'))
    if (c) commits.push({ epoch: n, commit: c });
if (commits.length !== nums.length) {
  console.error(`${PROG}: ${nums.length} stored messages, ${commits.length} commits: not the epochs of this store`);
  process.exit(1);
}
const reader = new StoreReader(db.db);
const picks = shuffle(
  nums.map((n, i) => i),
  prng(7),
).slice(0, SAMPLE);

/** One `git cat-file --batch` per epoch, kept open: `read(spec)` resolves to the object's bytes. */
function catFile(gitDir) {
  const child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = Buffer.alloc(0);
  /** @type {((body: Buffer) => void) | undefined} */
  let waiting;
  child.stdout.on('data', (c) => {
    buf = Buffer.concat([buf, c]);
    const nl = buf.indexOf(10);
    if (nl < 0 || !waiting) return;
    const size = Number(buf.subarray(0, nl).toString().split(' ')[2]);
    if (buf.length < nl + 1 + size + 1) return;
    const body = buf.subarray(nl + 1, nl + 1 + size);
    buf = buf.subarray(nl + 1 + size + 1);
    const w = waiting;
    waiting = undefined;
    w(body);
  });
  return {
    pid: child.pid,
    /** @type {(spec: string) => Promise<Buffer>} */
    read: (spec) =>
      new Promise((res) => {
        waiting = res;
        child.stdin.write(spec + '\n');
      }),
    close: () => child.stdin.end(),
  };
}
/** @type {Map<number, ReturnType<typeof catFile>>} */
const gits = new Map(tips.map((n) => [n, catFile(epochDir(n))]));
/** @param {number} epoch */
const epochReader = (epoch) => {
  const g = gits.get(epoch);
  if (!g) throw new Error(`no git cat-file for epoch ${epoch}`);
  return g;
};

/** @type {Record<string, number[]>} milliseconds of each read, by source */
const times = { store: [], git: [] };
const cpu = { store: 0, git: 0, gitChild: 0 };
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const gitTicks = () => [...gits.values()].reduce((n, g) => n + (statTicks(g.pid, false) ?? 0), 0);
let bytes = 0;
for (let round = 0; round < ROUNDS; round++) {
  let c0 = ownCpu();
  for (const i of picks) {
    const t0 = performance.now();
    const raw = reader.raw(nums[i]);
    times.store.push(performance.now() - t0);
    if (round === 0) bytes += raw?.length ?? 0;
  }
  cpu.store += ownCpu() - c0;
  c0 = ownCpu();
  const g0 = gitTicks();
  for (const i of picks) {
    const { epoch, commit } = commits[i];
    const t0 = performance.now();
    await epochReader(epoch).read(`${commit}:m`);
    times.git.push(performance.now() - t0);
  }
  cpu.git += ownCpu() - c0;
  cpu.gitChild += (gitTicks() - g0) * 10;
}
// the same bytes from both (checked on the sample's first 50)
for (const i of picks.slice(0, 50)) {
  const a = reader.raw(nums[i]);
  const b = await epochReader(commits[i].epoch).read(`${commits[i].commit}:m`);
  if (!a?.equals(b)) {
    console.error(`${PROG}: article ${nums[i]} differs between the store and its commit ${commits[i].commit}`);
    process.exit(1);
  }
}
for (const g of gits.values()) g.close();
const blobTable = db.blobTableBytes();
db.close();

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const at = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const n = SAMPLE * ROUNDS;
console.log(
  `${PROG}: ${SAMPLE} random messages of ${nums.length} (${(bytes / SAMPLE / 1024).toFixed(1)} KiB on average), ${ROUNDS} rounds, one at a time`,
);
for (const [name, what, cpuMs] of /** @type {[string, string, number][]} */ ([
  ['store', 'SQLite row + inflate', cpu.store],
  ['git', 'git cat-file --batch, COMMIT:m', cpu.git + cpu.gitChild],
]))
  console.log(
    `${name.padEnd(6)} ${what.padEnd(32)} median ${fmtMs(at(times[name], 0.5))}, p99 ${fmtMs(at(times[name], 0.99))}, ` +
      `mean ${fmtMs(mean(times[name]))}; CPU ${((cpuMs / n) * 1000).toFixed(0)} us a message`,
  );
console.log(
  `bytes  the blob table ${(blobTable / 2 ** 20).toFixed(1)} MiB of a ${(duBytes(join(data, STORE_FILE)) / 2 ** 20).toFixed(1)} MiB store; ` +
    `the epochs ${(duBytes(join(data, 'inboxes', INBOX)) / 2 ** 20).toFixed(1)} MiB`,
);
