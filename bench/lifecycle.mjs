#!/usr/bin/env node
// npm run bench:lifecycle -- --data DIR [--inbox NAME] [--synthetic COMMITS]
// Where the series of a store stand: how many series and patches are in each state, how many
// version chains hold a version twice, and how long the states of every series take to work out.
// With --synthetic N: builds a repository of N commits, a quarter from the list's years (a kernel's
// history is about 1.3 million)
// and times `lorekeeper applied` on it: the first scan, a run with nothing new, and a run after one
// new commit (on a copy of the store: DIR is only read).

// @ts-check
import { parseArgs } from 'node:util';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOREKEEPER, log, printTable, run, storeInbox } from './lib.mjs';
import { StoreSamples } from '../dist/store/samples.js';
import { SeriesReader } from '../dist/store/series-reader.js';

const { values: opt } = parseArgs({
  options: { data: { type: 'string' }, inbox: { type: 'string' }, synthetic: { type: 'string' } },
});
if (!opt.data) {
  console.error('usage: npm run bench:lifecycle -- --data DIR [--inbox NAME] [--synthetic COMMITS]');
  process.exit(2);
}
const dataDir = opt.data;

const db = new StoreSamples(dataDir);
const { inbox, id: inboxId } = storeInbox('bench:lifecycle', db, dataDir, opt.inbox);
const series = new SeriesReader(db.db);
const ids = db.seriesIds(inboxId);
const nums = db.patchNums(inboxId);
let t = performance.now();
const seriesStates = series.seriesStates(ids);
const seriesMs = performance.now() - t;
t = performance.now();
const patchStates = series.patchStates(nums);
const patchMs = performance.now() - t;
const count = (states) => {
  const out = {};
  for (const s of states.values()) out[s.state] = (out[s.state] ?? 0) + 1;
  return out;
};
const bySeries = count(seriesStates);
const byPatch = count(patchStates);
const chains = db.chains(inboxId);
db.close();

console.log(
  `${inbox}: ${ids.length} series in ${chains.chains} chains, ${chains.multi} of more than one series, ` +
    `${chains.twice} of them holding a version twice; ${nums.length} patches`,
);
printTable([
  ['state', 'series', 'patches'],
  ...[...new Set([...Object.keys(bySeries), ...Object.keys(byPatch)])]
    .sort((a, b) => (bySeries[b] ?? 0) - (bySeries[a] ?? 0))
    .map((s) => [s, String(bySeries[s] ?? 0), String(byPatch[s] ?? 0)]),
]);
console.log(
  `states of every series worked out in ${seriesMs.toFixed(0)} ms (${((1000 * seriesMs) / ids.length).toFixed(0)} us a series), ` +
    `of every patch in ${patchMs.toFixed(0)} ms`,
);

if (opt.synthetic) await synthetic(Number(opt.synthetic));

/**
 * A repository of `n` commits (none of them a patch of the list: a first scan walks them all and
 * matches none), then `lorekeeper applied` timed on it.
 */
async function synthetic(n) {
  const work = mkdtempSync(join(tmpdir(), 'lk-bench-lifecycle-'));
  try {
    const repo = join(work, 'linux.git');
    await run('git', ['init', '-q', '--bare', repo]);
    log(`writing ${n} commits into ${repo} ...`);
    t = performance.now();
    await fastImport(repo, n);
    log(`  ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const data = join(work, 'data');
    cpSync(dataDir, data, { recursive: true });
    const applied = async () => {
      const started = performance.now();
      const args = ['applied', '--data', data, '--inbox', inbox, '--repo', repo, '--json'];
      const r = await run(process.execPath, [LOREKEEPER, ...args]);
      if (r.code !== 0) throw new Error(`lorekeeper applied exited ${r.code}: ${r.err}`);
      return { wall: performance.now() - started, summary: JSON.parse(r.out) };
    };
    const first = await applied();
    const none = [await applied(), await applied(), await applied()];
    await fastImport(repo, 1, n);
    const one = await applied();
    printTable([
      ['run', 'commits read', 'wall ms', 'in-process ms'],
      [
        'first scan',
        String(first.summary.branches[0].commits),
        first.wall.toFixed(0),
        (first.summary.seconds * 1000).toFixed(0),
      ],
      ...none.map((r, i) => [
        `nothing new (${i + 1})`,
        String(r.summary.branches[0].commits),
        r.wall.toFixed(0),
        (r.summary.seconds * 1000).toFixed(0),
      ]),
      [
        'one new commit',
        String(one.summary.branches[0].commits),
        one.wall.toFixed(0),
        (one.summary.seconds * 1000).toFixed(0),
      ],
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `count` commits on master after commit number `from`, each changing one small file, through git fast-import. */
function fastImport(repo, count, from = 0) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', repo, 'fast-import', '--quiet'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(undefined) : reject(new Error(`git fast-import exited ${code}`)),
    );
    // as in the kernel's history, about a quarter of the commits are from the list's years (May 2019
    // to October 2023: their patch-ids are worked out), the rest from 2005 to 2018; the one new commit
    // is dated now
    const [listFrom, listTo] = [1556668800, 1698710400];
    const recent = Math.floor(count / 4);
    let i = from;
    const end = from + count;
    const write = () => {
      while (i < end) {
        const k = i - from;
        const when = from
          ? Math.floor(Date.now() / 1000)
          : k < count - recent
            ? 1112000000 + Math.floor((k * (1546300800 - 1112000000)) / (count - recent))
            : listFrom + Math.floor(((k - (count - recent)) * (listTo - listFrom)) / recent);
        const msg = `commit ${i + 1}\n`;
        const file = `line ${i + 1}\n`;
        const chunk =
          `commit refs/heads/master\ncommitter A U Thor <author@example.org> ${when} +0000\n` +
          `data ${Buffer.byteLength(msg)}\n${msg}${i === 0 ? '' : i === from && from ? 'from refs/heads/master^0\n' : ''}` +
          `M 100644 inline file\ndata ${Buffer.byteLength(file)}\n${file}\n`;
        i++;
        if (!child.stdin.write(chunk)) return child.stdin.once('drain', write);
      }
      child.stdin.end();
    };
    write();
  });
}
