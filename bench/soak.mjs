#!/usr/bin/env node
// npm run soak -- [--mbox MBOX[.gz]] [--data DIR] [--inbox NAME] [--new N] [--batch N] [--jobs N]
//                 [--duration S] [--connections N] [--threads N] [--timeout S] [--rss-warmup S]
//                 [--json FILE] [--keep] [--no-mail] [--process-per-batch] [--batch-cost N]
//
// Load while mail arrives: wrk at --connections (64) for --duration (60) seconds over a mix of
// URLs (message pages, raw, /T/, /t/, t.mbox.gz, new.atom, the index and ?t= pages, searches,
// series pages and series.json) while the last --new (2,000) messages of the archive arrive as new
// mail at an even pace over 90% of the run: whenever --batch (50) messages are due, all those due
// (more when ingest falls behind) are delivered into a Maildir spool, one file each, as a mail
// server delivers them, and taken by one `lorekeeper ingest --spool --watch --jobs` (1) left running,
// as the writer of deploy/ runs it; the next batch is delivered once these are stored.
// --process-per-batch starts a `lorekeeper ingest --jobs` process of each batch's mbox instead (a
// mail server running a command for each, as the writer of earlier releases did).
// Targets: zero errors (no answer outside 2xx/3xx, no socket error, no timeout), no partial
// thread ever visible, the server's resident memory (the primary and its workers, summed from
// /proc) flat within 20% after --rss-warmup (10) seconds; the p99 latency is reported.
//
//   the archive:   --mbox (default ../shared/corpus/virtualization.mbox.gz) is split, streaming, into
//                  two temporary mbox files: a base part (all but the last --new messages) and the
//                  new mail.
//   the store:     the base part ingested into a temporary data dir; with --data DIR, DIR holds the
//                  base store (ingested there on first use) and each run works on a copy of it, so
//                  that DIR can be reused.
//   the URL mix:   from the store, every URL one that answers before the new mail arrives, with the
//                  pages of the threads the new mail extends (their /T/, /t/, t.mbox.gz, messages).
//   consistency:   a checker outside wrk fetches /T/ (or /t/), then t.mbox.gz, then the page again,
//                  for the threads the new mail extends or starts (a new one answers 404 until its
//                  first message arrives), as long as mail arrives, and once more at rest. On each
//                  page the overview's "N+ messages" must equal the messages rendered, every message
//                  of the overview must be on the page (or a [not found] ghost) and every message on
//                  the page in the overview; the mbox must hold between N(first page) and N(second
//                  page) messages, and the page's messages when both pages agree.
//
// --no-mail runs the same load with no mail arriving, for comparison (no target on the mail then).
// --batch-cost N measures instead of loading: N batches of --batch new messages ingested one at a
// time, each followed by three passes over the mix (16 connections), with the CPU of the ingest run
// and of the server's processes and the answers that missed the response cache, by URL kind: what
// one arriving batch costs the machine.
// Exits 1 when a target is missed, 2 on wrong usage. --keep leaves the work directory (store,
// server log, wrk script) in place and prints where it is.

// @ts-check
import { cpSync, createReadStream, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  STATUS_LUA,
  STORE_FILE,
  log,
  midEscape,
  prng,
  freePort,
  get,
  fmtMs,
  printTable,
  tail,
  procStatus,
  processTree,
  statTicks,
  selfTicks,
  reapedTicks,
  machineTicks,
  hasStore,
  ingest,
  spoolIngest,
  startServe,
  writeWrkScript,
  benchOptions,
  soakStart,
  runWrk,
  finishSoak,
  urlKinds,
  urlMix,
  notAnswering,
  feedMail,
  statusFigures,
  wrkLines,
} from './lib.mjs';
import { HeaderBlock, splitHeaderBody } from '../dist/mail/headers.js';
import { messageIds } from '../dist/mail/message-id.js';
import { StoreSamples } from '../dist/store/samples.js';

const PROG = 'soak';

// ---------------------------------------------------------------------------------------------
// options

const cli = benchOptions(
  PROG,
  import.meta.url,
  { strings: ['new', 'batch', 'jobs', 'rss-warmup', 'batch-cost'], flags: ['keep', 'no-mail', 'process-per-batch'] },
  // two wrk threads: one cannot keep 64 connections busy while parsing every answer in Lua
  { duration: 60, connections: 64, threads: 2, timeout: 30 },
);
const { opt, num, duration: DURATION, connections: CONNECTIONS, threads: THREADS, timeout: TIMEOUT, mbox: MBOX } = cli;
const RSS_WARMUP = num(opt['rss-warmup'], '--rss-warmup', 10);
const RSS_LIMIT = 0.2;
/** Threads the consistency checker follows, and the biggest thread it takes (page cost). */
const CHECK_THREADS = 16;
const MAX_THREAD = 400;

// ---------------------------------------------------------------------------------------------
// 1. the archive: base part and new mail

const {
  new: NEW,
  batch: BATCH,
  jobs: JOBS,
  inbox: INBOX,
  work,
  cleanups,
  cleanup,
  fail,
  split,
  started,
} = await soakStart(PROG, 'soak', cli);
log(
  `${PROG}: ${split.total} messages: ${split.base} in the base part (${(split.baseBytes / 2 ** 20).toFixed(0)} MiB), ` +
    `${split.fresh.length} new (${(split.offsets[split.fresh.length] / 2 ** 20).toFixed(1)} MiB)`,
);

/**
 * A copy of a data directory: the store (an SQLite backup) and what it holds beside it (the epochs,
 * admin.git), which ingest needs.
 * @param {string} from
 * @param {string} to
 */
async function copyDataDir(from, to) {
  const src = new StoreSamples(from);
  await src.copyTo(to);
  src.close();
  for (const name of readdirSync(from)) {
    if (!name.startsWith(STORE_FILE)) cpSync(join(from, name), join(to, name), { recursive: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. the store: the base part, ingested (or a copy of --data's)

const dataDir = join(work, 'data');
/** @type {import('./lib.mjs').IngestSummary | undefined} */
let baseIngest;
if (opt.data && hasStore(opt.data)) {
  log(`${PROG}: copying the base store of ${resolve(opt.data)} ...`);
  await copyDataDir(resolve(opt.data), dataDir);
} else {
  const target = opt.data ? resolve(opt.data) : dataDir;
  log(`${PROG}: ingesting the base part as inbox "${INBOX}" into ${target} ...`);
  const s = await ingest(target, INBOX, [split.baseFile]).catch((e) => fail(e.message));
  baseIngest = s;
  log(`${PROG}: ingested ${s.read} messages in ${s.seconds} s (${s.added} added)`);
  if (target !== dataDir) {
    await copyDataDir(target, dataDir);
  }
}
rmSync(split.baseFile, { force: true });

// ---------------------------------------------------------------------------------------------
// 3. the URL mix, and the threads the new mail extends

const db = new StoreSamples(dataDir);
const inboxId =
  db.inboxId(INBOX) ??
  (await fail(
    `inbox ${JSON.stringify(INBOX)} is not in the store (it has: ${
      db
        .inboxes()
        .map((i) => i.name)
        .sort()
        .join(', ') || 'none'
    }); pass --inbox`,
    2,
  ));
const baseMessages = db.messageCount(inboxId);

// new messages already held (a --data store that has seen them) extend nothing
const alreadyHeld = split.fresh.filter((m) => m.mids.length && db.holds(m.mids[0])).length;
// a new message extends the thread of any id it refers to, held or ghost, or of an earlier new
// message; the others start threads of their own, which later new messages may join
const newTid = new Map();
const extended = new Map();
const newGroup = new Map();
/**
 * A thread the checker reads during the load: one the new mail extends (`tid`, `messages` it had)
 * or one it starts (`fresh`), and the Message-IDs naming its `series`.
 * @typedef {object} CheckedThread
 * @property {string} mid
 * @property {number} replies
 * @property {number} [tid]
 * @property {number} [messages]
 * @property {boolean} [fresh]
 * @property {boolean} [seen]
 * @property {string[]} [series]
 */
/** @type {CheckedThread[]} */
const newThreads = [];
for (const m of split.fresh) {
  let tid;
  let group;
  for (const r of m.refs) {
    tid = newTid.get(r) ?? db.tidOf(r);
    group = newGroup.get(r);
    if (tid !== undefined || group) break;
  }
  if (tid !== undefined) {
    for (const id of m.mids) newTid.set(id, tid);
    extended.set(tid, (extended.get(tid) ?? 0) + 1);
    continue;
  }
  if (!group && m.mids.length && !db.holds(m.mids[0]))
    newThreads.push((group = { mid: m.mids[0], replies: 0, fresh: true }));
  if (!group) continue;
  group.replies++;
  for (const id of m.mids) newGroup.set(id, group);
}
/** @type {(CheckedThread & { tid: number, messages: number })[]} */
const extendedThreads = [];
for (const [tid, replies] of extended) {
  const first = db.threadStart(inboxId, tid);
  if (first) extendedThreads.push({ tid, mid: first.mid, messages: first.n, replies });
}
// most new replies first; the checker takes the busiest threads of a reasonable size
extendedThreads.sort((a, b) => b.replies - a.replies || a.tid - b.tid);
// and the biggest threads the new mail starts (their pages answer 404 until the first one arrives)
newThreads.sort((a, b) => b.replies - a.replies);
// the checker takes them in turns, one of each
const checkedOld = extendedThreads.filter((t) => t.messages <= MAX_THREAD).slice(0, CHECK_THREADS);
const checkedNew = newThreads.filter((t) => t.replies >= 3 && t.replies <= MAX_THREAD).slice(0, CHECK_THREADS);
const checked = Array.from({ length: Math.max(checkedOld.length, checkedNew.length) }, (_, i) => [
  checkedOld[i],
  checkedNew[i],
])
  .flat()
  .filter((t) => t !== undefined);
// the series of those threads (a new thread's first message is one when it is a cover letter or a patch)
for (const t of checked) t.series = t.tid === undefined ? [t.mid] : db.seriesOfThreads(inboxId, [t.tid], 3);

const rand = prng(0x50a4);
// messages of the extended threads, whose pages (overviews) change as replies arrive
const extMids = extendedThreads
  .filter((t) => t.messages <= MAX_THREAD)
  .slice(0, 150)
  .flatMap((t) => db.latestMids(inboxId, t.tid, 3));
const extSeries = db.seriesOfThreads(
  inboxId,
  extendedThreads.map((t) => t.tid),
  50,
);

const extThreadMids = extendedThreads
  .filter((t) => t.messages <= MAX_THREAD)
  .slice(0, 150)
  .map((t) => t.mid);
/** Kinds of URL and how many of each the mix holds (relative load: the list is cycled through). */
const KINDS = urlKinds(db, inboxId, rand, MAX_THREAD, {
  mids: extMids,
  threadMids: extThreadMids,
  series: extSeries,
});
db.close();
log(
  `${PROG}: store holds ${baseMessages} messages; the new mail extends ${extendedThreads.length} threads ` +
    `(${extendedThreads.reduce((a, t) => a + t.replies, 0)} replies) and starts ${newThreads.length}` +
    `${alreadyHeld ? `; ${alreadyHeld} new messages are already in the store` : ''}`,
);

// ---------------------------------------------------------------------------------------------
// 4. the server

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const base = `${origin}/${INBOX}/`;
const serveLog = join(work, 'serve.log');
const server = startServe(dataDir, port, { logFile: serveLog, probeUrl: base, debugCache: true });
cleanups.push(() => server.stop());
try {
  await server.ready();
} catch (err) {
  await fail(err.message);
}
const workersAtStart = processTree(server.child.pid).slice(1);
log(`${PROG}: serving ${base} (pid ${server.child.pid}, ${workersAtStart.length} workers)`);

const mix = await urlMix(KINDS, base, INBOX, rand);

// every URL of the mix must answer now, before any new mail: the run's errors are then the load's
log(`${PROG}: checking the ${mix.length} URLs of the mix answer ...`);
const bad = await notAnswering(origin, mix);
if (bad.length)
  await fail(
    `${bad.length} URLs of the mix do not answer 2xx/3xx before the load, e.g.:\n  ${bad.slice(0, 10).join('\n  ')}`,
  );

// the new mail's ingest: the spool watcher (left running until the end) or a process per batch
const watcher =
  opt['process-per-batch'] || opt['no-mail']
    ? undefined
    : spoolIngest(dataDir, INBOX, join(work, 'spool'), { args: ['--jobs', String(JOBS)] });
if (watcher) cleanups.push(() => watcher.stop());
/**
 * One batch (an mbox) stored: its summary and the ingest's CPU meanwhile, with its git.
 * @param {string} file
 */
async function ingestBatch(file) {
  if (watcher) return watcher.run(file);
  const before = reapedTicks();
  const summary = await ingest(dataDir, INBOX, [file], { args: ['--jobs', String(JOBS)] });
  return { ...summary, takes: 1, cpu: (reapedTicks() - before) / 100 };
}

if (opt['batch-cost'] !== undefined) await batchCost(Math.round(num(opt['batch-cost'], '--batch-cost', 1)));

/** The --batch-cost measurement; ends the script. */
async function batchCost(batches) {
  const ticks = () => processTree(server.child.pid).reduce((a, p) => a + (statTicks(p, true) ?? 0), 0);
  /** One pass over the mix: the answers that missed the cache, by kind. */
  const pass = async () => {
    /** @type {Record<string, number>} */
    const missed = {};
    let next = 0;
    const one = async () => {
      while (next < mix.length) {
        const u = mix[next++];
        const r = await get(origin + u.path, 60_000);
        if (r.headers['x-cache'] === 'miss') missed[u.kind] = (missed[u.kind] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, one));
    return missed;
  };
  // every worker holds every page first (the check above asked each URL once)
  for (let i = 0; i < 3; i++) await pass();
  const rows = [];
  const ingestRun = async (file) => {
    const summary = await ingestBatch(file);
    const ingestCpu = summary.cpu;
    const t0 = ticks();
    const misses = [await pass(), await pass(), await pass()];
    const serverCpu = (ticks() - t0) / 100;
    const missed = misses.map((m) => Object.values(m).reduce((a, n) => a + n, 0));
    rows.push({ messages: summary.added, ingestCpu, serverCpu, missed, byKind: misses[0] });
    log(
      `${PROG}: batch ${rows.length}: ${summary.added} messages; ingest ${fmtMs(ingestCpu * 1000)} of CPU; ` +
        `server ${fmtMs(serverCpu * 1000)} over three passes; missed ${missed.join(' + ')} (${JSON.stringify(misses[0])})`,
    );
    return summary;
  };
  // one batch at a time: each a feed of its own messages, all due at once
  for (let k = 0; k < batches && (k + 1) * BATCH <= split.fresh.length; k++) {
    const one = {
      ...split,
      fresh: split.fresh.slice(k * BATCH, (k + 1) * BATCH),
      offsets: split.offsets.slice(k * BATCH),
    };
    await feedMail({ split: one, work, start: 0, durationMs: 1, batch: BATCH, stopped: () => false, ingestRun });
  }
  const mean = (f) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  console.log(
    `batch cost     ${rows.length} batches of ${BATCH}: ingest ${fmtMs(mean((r) => r.ingestCpu) * 1000)} of CPU, server ` +
      `${fmtMs(mean((r) => r.serverCpu) * 1000)} (three passes over ${mix.length} URLs after it), ` +
      `${mean((r) => r.missed.reduce((a, n) => a + n, 0)).toFixed(1)} answers missed the cache`,
  );
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ batch: BATCH, mix: mix.length, rows }, null, 2));
  await cleanup();
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// 5. the consistency checker

const htmlText = (s) =>
  s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/**
 * @typedef {object} ThreadPage
 * @property {number} n
 * @property {string[]} entries
 * @property {string[]} rows
 * @property {string[]} ghosts
 * @property {string[]} mids
 */

/**
 * What a thread page shows: the overview's count, the messages on the page, the overview's rows.
 * @param {string} html
 * @returns {ThreadPage | { problem: string }}
 */
function readThreadPage(html) {
  const at = html.indexOf('<b\nid=t>Thread overview:</b> ');
  if (at < 0) return { problem: 'no thread overview on the page' };
  const m = /^<b\nid=t>Thread overview:<\/b> (?:(\d+)\+ messages|\(only message\))/.exec(html.slice(at));
  if (!m) return { problem: `unreadable overview: ${JSON.stringify(html.slice(at, at + 80))}` };
  const body = html.slice(0, at);
  const overview = html.slice(at);
  return {
    n: m[1] ? Number(m[1]) : 1,
    entries: [...body.matchAll(/<a\nhref=#e([0-9a-f]{40})\nid=m\1>\*<\/a>/g)].map((x) => x[1]),
    rows: [...overview.matchAll(/<a\nhref="#m([0-9a-f]{40})"\nid=r\1>/g)].map((x) => x[1]),
    ghosts: [...overview.matchAll(/\[not found\] [^\n]*?&lt;<a\nhref="[^"]*"\nid=r([0-9a-f]{40})>/g)].map((x) => x[1]),
    // the message's own link of each entry: `(permalink / raw)` after From:
    mids: [...body.matchAll(/ UTC \(<a\nhref="\.\.\/\.\.\/([^"]+)\/">permalink<\/a> \//g)].map((x) => htmlText(x[1])),
  };
}

/**
 * Problems within one page (none: an empty list). The count is of the thread's messages (strict
 * and loose matches); the overview also shows the parents of loose matches that belong to other
 * threads, as real rows (public-inbox resolves such ghosts): the nested page /t/ shows them too,
 * the flat page /T/ does not. So /T/ must show exactly N messages, all in the overview, and /t/
 * at least N, exactly the overview's.
 */
function pageProblems(p, nested) {
  if ('problem' in p) return [p.problem];
  const out = [];
  if (nested ? p.entries.length < p.n : p.entries.length !== p.n)
    out.push(`overview says ${p.n} messages, the page shows ${p.entries.length}`);
  const onPage = new Set(p.entries);
  const inOverview = new Set(p.rows);
  const missing = nested ? p.rows.filter((id) => !onPage.has(id)) : [];
  if (missing.length) out.push(`${missing.length} messages of the overview are not on the page (e.g. #m${missing[0]})`);
  const stray = p.entries.filter((id) => !inOverview.has(id));
  if (stray.length) out.push(`${stray.length} messages on the page are not in the overview (e.g. #m${stray[0]})`);
  return out;
}

/** Message-IDs of a t.mbox.gz, escaped as page links are. */
function readMbox(buf) {
  const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('latin1');
  const msgs = text.split(/^From mboxrd@z Thu Jan {2}1 00:00:00 1970\r?\n/m).slice(1);
  return msgs.map((m) => {
    const h = HeaderBlock.parse(splitHeaderBody(Buffer.from(m, 'latin1')).header);
    const id = messageIds(h)[0];
    return id === undefined ? undefined : midEscape(id);
  });
}

/** @type {{ what: string, url: string, problems: string[], at: number }[]} */
const failures = [];
/** @type {string[]} */
const errors = [];
const checks = { runs: 0, pages: 0, mboxes: 0, series: 0, notYet: 0, grew: 0, failures, errors };

function failed(what, url, problems, extra = {}) {
  checks.failures.push({ what, url, problems, at: Number(((Date.now() - loadStart) / 1000).toFixed(1)), ...extra });
  if (checks.failures.length <= 5) log(`${PROG}: INCONSISTENT ${url}: ${problems.join('; ')}`);
}

/**
 * One check of a thread: page, mbox, page again. A thread the new mail starts is absent (404, 0
 * messages) until its first message arrives, and never after.
 */
async function checkThread(t, nested) {
  const pageUrl = `${base}${midEscape(t.mid)}/${nested ? 't' : 'T'}/`;
  const mboxUrl = `${base}${midEscape(t.mid)}/t.mbox.gz`;
  const answer = async (url) => {
    const r = await get(url, 60_000);
    // not there yet: 404, or 300 with partial matches (the thread's other messages)
    if ((r.status === 404 || r.status === 300) && t.fresh && !t.seen) {
      checks.notYet++;
      return undefined;
    }
    if (r.status !== 200) {
      checks.errors.push(`${r.status || r.error} ${url}`);
      return null;
    }
    t.seen = true;
    return r.body;
  };
  /** @type {() => Promise<{ n: number, mids: string[] } | undefined>} */
  const fetchPage = async () => {
    const body = await answer(pageUrl);
    if (!body) return body === undefined ? { n: 0, mids: [] } : undefined;
    checks.pages++;
    const p = readThreadPage(body.toString('utf8'));
    const problems = pageProblems(p, nested);
    if (problems.length) failed('page', pageUrl, problems, 'problem' in p ? {} : { n: p.n, shown: p.entries.length });
    return problems.length || 'problem' in p ? undefined : p;
  };
  const a = await fetchPage();
  const mbox = await answer(mboxUrl);
  const b = await fetchPage();
  checks.runs++;
  if (mbox === null || !a || !b) return;
  const inMbox = mbox ? readMbox(mbox) : [];
  if (mbox) checks.mboxes++;
  if (b.n > a.n) checks.grew++;
  if (inMbox.length < a.n || inMbox.length > b.n) {
    failed('mbox', mboxUrl, [
      `t.mbox.gz holds ${inMbox.length} messages, the page before it showed ${a.n} and the page after it ${b.n}`,
    ]);
  } else if (a.n === b.n) {
    // nothing arrived in between: the mbox is the page's messages
    const pageMids = new Set(b.mids);
    const absent = inMbox.filter((m) => m !== undefined && !pageMids.has(m));
    if (absent.length)
      failed('mbox', mboxUrl, [`${absent.length} messages of t.mbox.gz are not on the page (e.g. ${absent[0]})`]);
  }
}

/**
 * One check of a series of a thread: its series.json must list the versions of its chain (at
 * least the series itself: a message that stops being a patch when its thread is assembled again
 * names the thread's series), and its page must answer. A new thread's first message may be no
 * series at all.
 */
async function checkSeries(mid, t) {
  const jsonUrl = `${base}${midEscape(mid)}/series.json`;
  const r = await get(jsonUrl, 60_000);
  if ((r.status === 404 || r.status === 300) && t.fresh) return;
  if (r.status !== 200) {
    checks.errors.push(`${r.status || r.error} ${jsonUrl}`);
    return;
  }
  checks.series++;
  let versions;
  try {
    versions = JSON.parse(r.body.toString('utf8')).versions;
  } catch (err) {
    failed('series', jsonUrl, [`not JSON: ${err.message}`]);
    return;
  }
  if (!versions?.length)
    failed('series', jsonUrl, [`series.json lists no version: ${r.body.subarray(0, 200).toString('utf8').trim()}`]);
  const pageUrl = `${base}${midEscape(mid)}/series/`;
  const page = await get(pageUrl, 60_000);
  checks.series++;
  if (page.status !== 200)
    failed('series', pageUrl, [
      `answered ${page.status || page.error}: ${page.body.subarray(0, 60).toString('utf8').trim()}`,
    ]);
}

/** A thread's pages and mbox, then its series. */
async function checkAll(t, nested) {
  await checkThread(t, nested);
  for (const mid of t.series) await checkSeries(mid, t);
}

// ---------------------------------------------------------------------------------------------
// 6. the run: wrk, the new mail, memory samples and the checker, all at once

const script = writeWrkScript(
  join(work, 'soak.lua'),
  mix.map((u) => u.path),
  { threads: THREADS, gzip: true, lua: STATUS_LUA, by: 'bench/soak.mjs' },
);

const rss = [];
const workerPids = new Set(workersAtStart);
function sampleMemory() {
  const pids = processTree(server.child.pid);
  for (const p of pids.slice(1)) workerPids.add(p);
  const mb = pids.reduce((a, p) => a + (procStatus(p, 'VmRSS') ?? 0), 0);
  rss.push({
    t: Number(((Date.now() - loadStart) / 1000).toFixed(1)),
    mb: Number(mb.toFixed(1)),
    processes: pids.length,
  });
}

let loadOver = false;
let feeding = true;
async function checkLoop() {
  for (let i = 0; feeding; i++) {
    try {
      await checkAll(checked[i % checked.length], Math.floor(i / checked.length) % 2 === 1);
    } catch (err) {
      checks.errors.push(`checker: ${err.message}`);
    }
  }
}

log(
  `${PROG}: load: wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s over ${mix.length} URLs, ` +
    `${split.fresh.length} new messages in ingests of ${BATCH} or more, checker on ${checked.length} threads ...`,
);
/**
 * CPU ticks of the server's processes (with the children they reaped), this script (with wrk and the
 * ingests: the runs it reaped, or the spool watcher) and the machine.
 */
const cpuNow = () => ({
  server: new Map(processTree(server.child.pid).map((p) => [p, statTicks(p, true) ?? 0])),
  self: selfTicks() + (watcher?.ticks() ?? 0),
  machine: machineTicks(),
});
const cpu0 = cpuNow();
const loadStart = Date.now();
sampleMemory();
const rssTimer = setInterval(sampleMemory, 1000);
cleanups.push(() => clearInterval(rssTimer));
// the new mail at an even pace over the run
const feeder = feedMail({
  split,
  work,
  start: loadStart,
  durationMs: DURATION * 1000,
  batch: BATCH,
  stopped: () => loadOver || opt['no-mail'],
  ingestRun: ingestBatch,
});
const checker = checked.length ? checkLoop() : Promise.resolve();
const result = await runWrk(origin, script, cli);
const loadEnd = Date.now();
loadOver = true;
clearInterval(rssTimer);
const feed = await feeder;
// wrk has been reaped, the ingests of the load too (one may still have been running: it counts)
const cpu1 = cpuNow();
feeding = false;
await checker;
const serverDied = server.exited();

// after the load: every checked thread once more at rest, and the store's count
if (!serverDied) for (const t of checked) await checkAll(t, false);
const dbAfter = new StoreSamples(dataDir);
const messagesAfter = dbAfter.messageCount(inboxId);
dbAfter.close();

/** Warnings and errors the server logged (pino JSON lines, level >= 40), by message, with where they were thrown. */
async function serverLogErrors() {
  const byMessage = new Map();
  const lines = createInterface({ input: createReadStream(serveLog), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{')) continue;
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    if (!(j.level >= 40)) continue;
    const key = j.err?.message ?? j.msg;
    const seen = byMessage.get(key) ?? {
      message: key,
      level: j.level,
      count: 0,
      at: j.err?.stack
        ?.split('\n')
        .slice(1, 3)
        .map((l) => l.trim())
        .join(' / '),
    };
    seen.count++;
    byMessage.set(key, seen);
  }
  return [...byMessage.values()];
}
const logged = await serverLogErrors();
const logTail = tail(serveLog, 5);

// ---------------------------------------------------------------------------------------------
// 7. report

const duringLoad = feed.filter((f) => !f.error && f.end * 1000 <= loadEnd - loadStart);
const ingestedDuring = duringLoad.reduce((a, f) => a + (f.added ?? 0), 0);
const ingestedAll = feed.reduce((a, f) => a + (f.added ?? 0), 0);
const feedErrors = feed.filter((f) => f.error);
const window = rss.filter((s) => s.t >= RSS_WARMUP);
const mbs = window.map((s) => s.mb);
const rssSummary = window.length
  ? {
      first: mbs[0],
      last: mbs[mbs.length - 1],
      min: Math.min(...mbs),
      max: Math.max(...mbs),
      samples: window.length,
    }
  : undefined;
if (rssSummary) rssSummary.spread = (rssSummary.max - rssSummary.min) / rssSummary.min;
const statuses = statusFigures(result);
const restarted = [...workerPids].filter((p) => !workersAtStart.includes(p)).length;
const cpuUse = (() => {
  let serverTicks = 0;
  for (const [p, t] of cpu1.server) serverTicks += t - (cpu0.server.get(p) ?? 0);
  const selfT = cpu1.self - cpu0.self;
  const total = cpu1.machine.total - cpu0.machine.total;
  const seconds = (cpu1.machine.total - cpu0.machine.total) / 100 / cpus().length;
  return {
    serverCores: serverTicks / 100 / seconds,
    soakCores: selfT / 100 / seconds,
    otherShare: Math.max(0, (cpu1.machine.busy - cpu0.machine.busy - serverTicks - selfT) / total),
  };
})();

const targets = [
  ['wrk ran', !result.failed, result.failed ?? ''],
  [
    'zero errors',
    !result.failed && result.errors === 0,
    result.failed ? '' : `${result.non2xx3xx} non-2xx/3xx, socket errors ${JSON.stringify(result.socketErrors)}`,
  ],
  [
    'no partial thread or series visible',
    checks.failures.length === 0 && checks.pages > 0,
    `${checks.failures.length} inconsistent of ${checks.pages} pages, ${checks.mboxes} mboxes and ${checks.series} series answers checked`,
  ],
  ['checker answered', checks.errors.length === 0, `${checks.errors.length} checker requests failed`],
  [
    `RSS flat within ${RSS_LIMIT * 100}%`,
    !!rssSummary && rssSummary.spread <= RSS_LIMIT,
    rssSummary ? `(max - min) / min = ${(rssSummary.spread * 100).toFixed(1)}% after ${RSS_WARMUP} s` : 'no samples',
  ],
  [
    'mail arrived during the load',
    (ingestedDuring > 0 || opt['no-mail']) && feedErrors.length === 0,
    `${ingestedDuring} messages in ${duringLoad.length} batches during the load (${watcher ? 'through the spool watcher' : 'an ingest run each'}), ${feedErrors.length} failed`,
  ],
  ['server stayed up', !serverDied && restarted === 0, serverDied ?? `${restarted} workers replaced`],
  [
    'no error in the server log',
    !logged.some((l) => l.level >= 50),
    `${logged.filter((l) => l.level >= 50).reduce((a, l) => a + l.count, 0)} errors logged`,
  ],
];

console.log('');
console.log(
  `lorekeeper soak: inbox "${INBOX}", ${baseMessages} messages + ${split.total - split.base} arriving; ` +
    `wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s --timeout ${TIMEOUT}s over ${mix.length} URLs; ${cpus().length} CPUs; ${started.toISOString()}`,
);
console.log('');
printTable([['URL kind', 'URLs in the mix'], ...Object.entries(KINDS).map(([k, v]) => [k, v.length])]);
console.log('');
if (!result.failed) {
  for (const line of wrkLines(result, statuses, { cache: true })) console.log(line);
} else {
  console.log(`wrk failed: ${result.failed}`);
}
const runMs = feed.map((f) => (f.end - f.start) * 1000);
const ingestCpu = duringLoad.reduce((a, f) => a + (f.cpu ?? 0), 0);
const runSizes = feed.map((f) => f.messages);
console.log(
  `CPU            server ${cpuUse.serverCores.toFixed(2)} cores, this script with wrk and the ingests ${cpuUse.soakCores.toFixed(2)}, ` +
    `other programs ${(cpuUse.otherShare * 100).toFixed(0)}% of the machine${cpuUse.otherShare > 0.15 ? ' (figures lower and noisier than on a quiet machine)' : ''}`,
);
console.log(
  opt['no-mail']
    ? 'new mail       none (--no-mail)'
    : `new mail       ${ingestedDuring} messages ingested during the load in ${duringLoad.length} of ` +
        `${feed.length} batches (${ingestedAll} in all, store ${baseMessages} -> ${messagesAfter}; ` +
        `${feed.reduce((a, f) => a + (f.takes ?? 0), 0)} ${watcher ? 'takes of the spool watcher' : 'ingest runs'}); batches of ${Math.min(...runSizes)} .. ` +
        `${Math.max(...runSizes)} messages taking ${fmtMs(Math.min(...runMs))} .. ${fmtMs(Math.max(...runMs))}; ` +
        `the ingests during the load took ${ingestCpu.toFixed(1)} s of CPU (${(ingestCpu / ((loadEnd - loadStart) / 1000)).toFixed(2)} cores)`,
);
if (rssSummary) {
  console.log(
    `server RSS     primary + ${workersAtStart.length} workers, after ${RSS_WARMUP} s (${rssSummary.samples} samples): first ${rssSummary.first.toFixed(0)} MiB, ` +
      `min ${rssSummary.min.toFixed(0)}, max ${rssSummary.max.toFixed(0)}, last ${rssSummary.last.toFixed(0)}; spread (max - min) / min ${(rssSummary.spread * 100).toFixed(1)}%`,
  );
  console.log(
    `               before: ${rss
      .filter((s) => s.t < RSS_WARMUP)
      .map((s) => s.mb.toFixed(0))
      .join(' ')}; every 5 s after: ` +
      window
        .filter((_, i) => i % 5 === 0)
        .map((s) => s.mb.toFixed(0))
        .join(' '),
  );
}
console.log(
  `consistency    ${checks.runs} checks of ${checked.length} growing threads (page, t.mbox.gz, page, series): ${checks.pages} pages, ${checks.mboxes} mboxes, ` +
    `${checks.series} series answers, ` +
    `${checks.grew} saw the thread grow between its two pages, ${checks.notYet} answers 404 before a new thread's first message; ` +
    `${checks.failures.length} inconsistent`,
);
for (const f of checks.failures.slice(0, 5)) console.log(`  at ${f.at} s ${f.url}: ${f.problems.join('; ')}`);
for (const x of checks.errors.slice(0, 5)) console.log(`  checker request failed: ${x}`);
if (logged.length) {
  console.log(`server log     ${logged.reduce((a, l) => a + l.count, 0)} warnings or errors logged:`);
  for (const l of logged.slice(0, 5))
    console.log(`  ${l.count} x level ${l.level} "${l.message}"${l.at ? ` ${l.at}` : ''}`);
}
if (serverDied) console.log(`server log tail:\n${logTail}`);
await finishSoak(
  targets,
  {
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    params: {
      duration: DURATION,
      connections: CONNECTIONS,
      threads: THREADS,
      timeout: TIMEOUT,
      new: NEW,
      batch: BATCH,
      jobs: JOBS,
      rssWarmup: RSS_WARMUP,
    },
    mbox: MBOX,
    inbox: INBOX,
    messages: { archive: split.total, base: baseMessages, after: messagesAfter, alreadyHeld },
    baseIngest,
    mix: Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, v.length])),
    extendedThreads: extendedThreads.length,
    checkedThreads: checked,
    wrk: { ...result, output: undefined, statuses },
    cpu: cpuUse,
    feed,
    rss,
    rssSummary,
    checks,
    serverLog: logged,
  },
  opt.json,
  cleanup,
);
