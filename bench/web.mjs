#!/usr/bin/env node
// npm run bench:web -- [--mbox MBOX[.gz]] [--pi-url URL | --no-pi] [--data DIR] [--inbox NAME]
//                      [--duration S] [--warmup S] [--connections N] [--threads N] [--json FILE]
//                      [--only CLASS,...] [--sample N] [--cold N] [--uncached N] [--identity]
//                      [--quiet-wait S]
//
// Web serving throughput of lorekeeper side by side with public-inbox-httpd on the same archive,
// with wrk at 8 concurrent connections. Each class of page is requested for --duration seconds
// per server, after a --warmup (default 2 s) that is not measured; a Lua script makes wrk cycle
// through a list of URLs so that many different messages are asked for, not one hot page.
//
//   lorekeeper:    ingested from --mbox into a temporary data dir (or --data DIR, reused when it
//                  already holds a store), served by `lorekeeper serve` on a free port, stopped at
//                  the end.
//   public-inbox:  --pi-url (an already running public-inbox-httpd, e.g.
//                  http://127.0.0.1:8089/virtualization/); without it, one is built with
//                  ../shared/tools/pi-reference (about 4 minutes) and killed at the end; --no-pi, or
//                  when it cannot be reached or built, reports lorekeeper alone.
//
// The servers are measured one after the other (public-inbox first, then lorekeeper), never at the
// same time, and lorekeeper is only started once public-inbox is done. The URL lists come from
// lorekeeper's store and are the same for both servers. "req/s" counts only 2xx/3xx answers;
// requests answered otherwise, timed out or cut off are the "errors". Before every run the server
// is left to finish what the previous run abandoned (its processes, found by their listening
// socket, must idle), and for up to --quiet-wait seconds (default 20) until other programs leave
// the CPUs alone; the CPU they still took during each run is reported, as is the server's own CPU
// time per answer. p50/p99 are wrk's (corrected for coordinated omission), max is the slowest answer.
//
// Classes (--only): message, message-cold, raw, thread, thread-mbox, atom, index, search, and the
// series pages public-inbox does not have (lorekeeper alone, with a p99 target of 100 ms):
// series (the page of 200 sampled series), series-interdiff (?vs= the previous version),
// series-json, series-mbox (am-ready), series-list (/NAME/series/). "Each once" classes, as a
// crawler asks (every URL once, so no cache can answer): message-uncached (--uncached messages),
// thread-once (/T/), nested-once (/t/), thread-mbox-once, thread-atom-once (--threads-once
// threads each, a disjoint set per class), search-once (s:WORD searches), series-once.

// @ts-check
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve, basename } from 'node:path';
import {
  log,
  midEscape,
  searchPath,
  QUERIES,
  inboxNameFromUrl,
  prng,
  shuffle,
  freePort,
  get as getUrl,
  okStatus,
  fmtMs,
  printTable,
  tail,
  procStatus,
  listenerPids,
  serverSnapshot,
  serverTicksBetween,
  selfTicks,
  machineTicks,
  waitIdle as waitIdleUpTo,
  writeWrkScript,
  wrk as runWrk,
  hasStore,
  ingest,
  startServe,
  benchOptions,
  cleanupOnExit,
  startPiReference,
  PI_REFERENCE,
} from './lib.mjs';
import { StoreSamples } from '../dist/store/samples.js';

// ---------------------------------------------------------------------------------------------
// options

const {
  opt,
  num: posInt,
  duration: DURATION,
  connections: CONNECTIONS,
  threads: THREADS,
  timeout: TIMEOUT,
  mbox: MBOX,
} = benchOptions(
  'bench:web',
  import.meta.url,
  {
    strings: ['pi-url', 'warmup', 'only', 'sample', 'cold', 'uncached', 'threads-once', 'quiet-wait'],
    flags: ['no-pi', 'identity'],
  },
  // one wrk thread by default: both servers are single-process, so on a 2-core machine the server
  // keeps one core and wrk the other
  { duration: 10, connections: 8, threads: 1, timeout: 30 },
);

const WARMUP = opt.warmup === '0' ? 0 : posInt(opt.warmup, '--warmup', 2);
// before each measured run, wait up to this long for other programs to leave the CPUs alone
const QUIET_WAIT = opt['quiet-wait'] === '0' ? 0 : posInt(opt['quiet-wait'], '--quiet-wait', 20);
const SAMPLE = Math.round(posInt(opt.sample, '--sample', 500));
const COLD = Math.round(posInt(opt.cold, '--cold', 5000));
// messages asked for exactly once each by the uncached class
const UNCACHED = Math.round(posInt(opt.uncached, '--uncached', 2000));
// threads (and series, searches) asked for exactly once each by every other "each once" class
const THREADS_ONCE = Math.round(posInt(opt['threads-once'], '--threads-once', 300));
const GZIP = !opt.identity;

/** public-inbox 1.9 on a similar 32k-message list, as measured by the issue's author (req/s). */
const REFERENCE = {
  message: 126,
  'message-cold': 126,
  'message-uncached': 126,
  raw: 1628,
  thread: 10,
  'thread-mbox': 20,
  atom: 25,
  index: 75,
  search: 96,
};

// ---------------------------------------------------------------------------------------------
// cleanup: only what this script started

const work = mkdtempSync(join(tmpdir(), 'lk-web-bench-'));
const { cleanups, cleanup } = cleanupOnExit('bench:web', work);

// ---------------------------------------------------------------------------------------------
// helpers (bench/lib.mjs) with this run's options

const get = (url, timeoutMs = 60_000) => getUrl(url, timeoutMs, { gzip: GZIP });

// waiting for a server to be idle: wrk abandons the requests in flight when its time is up, and a
// slow server goes on working on them (8 x 600 ms for public-inbox's /T/): the next run must not
// pay for them. The server's processes are found by their listening socket, and watched until
// they use (almost) no CPU.
const waitIdle = (port, o = {}) => waitIdleUpTo(port, { maxMs: TIMEOUT * 1000, ...o });

/** A wrk script cycling through `paths`; each wrk thread starts at its own offset in the list. */
const writeScript = (name, paths) =>
  writeWrkScript(join(work, `${name}.lua`), paths, { threads: THREADS, gzip: GZIP, by: 'bench/web.mjs' });

const wrk = (origin, script, seconds) =>
  runWrk(origin, script, seconds, { threads: THREADS, connections: CONNECTIONS, timeout: TIMEOUT }).then(
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- wrk's raw output is dropped
    ({ output, ...r }) => r,
  );

// ---------------------------------------------------------------------------------------------
// lorekeeper's store: ingest, then pick the URLs

let dataDir;
let ingestInfo;
if (opt.data && hasStore(opt.data)) {
  dataDir = resolve(opt.data);
  log(`lorekeeper: reusing the store in ${dataDir}`);
} else {
  dataDir = opt.data ? resolve(opt.data) : join(work, 'data');
  if (!existsSync(MBOX)) {
    log(`bench:web: no store in ${dataDir} and no mbox at ${MBOX}`);
    await cleanup();
    process.exit(2);
  }
  const inbox =
    opt.inbox ??
    inboxNameFromUrl(opt['pi-url']) ??
    basename(MBOX)
      .replace(/\.gz$/, '')
      .replace(/\.(mbox|mboxrd|mbx)$/, '');
  log(`lorekeeper: ingesting ${MBOX} as inbox "${inbox}" into ${dataDir} ...`);
  try {
    ingestInfo = await ingest(dataDir, inbox, [MBOX]);
  } catch (e) {
    log(`bench:web: ${e.message}`);
    await cleanup();
    process.exit(1);
  }
  log(`lorekeeper: ingested ${ingestInfo.read} messages in ${ingestInfo.seconds} s (${ingestInfo.added} added)`);
}

const db = new StoreSamples(dataDir);
const inboxes = db.inboxes();
const wanted = opt.inbox ?? (inboxes.length === 1 ? inboxes[0].name : inboxNameFromUrl(opt['pi-url']));
const inboxRow = inboxes.find((i) => i.name === wanted);
if (!inboxRow) {
  log(
    `bench:web: inbox ${JSON.stringify(wanted)} is not in ${dataDir} (it has: ${inboxes.map((i) => i.name).join(', ') || 'none'}); pass --inbox`,
  );
  await cleanup();
  process.exit(2);
}
const INBOX = inboxRow.name;

// every held message with its primary Message-ID, once per Message-ID, in arrival order, then
// shuffled with a fixed seed: the first SAMPLE are the message/raw set, the next COLD the cold set
// (disjoint, so the warm classes never cached them), then the cold warm-up set and the probes
const mids = [...new Set(db.messageMids(inboxRow.id))];
const rand = prng(0x10e4ee9);
shuffle(mids, rand);
const warmSet = mids.slice(0, SAMPLE);
const coldSet = mids.slice(SAMPLE, SAMPLE + COLD);
const coldWarmupSet = mids.slice(SAMPLE + COLD, SAMPLE + COLD + 1000);
const probeSet = mids.slice(SAMPLE + COLD + 1000, SAMPLE + COLD + 1000 + 30);
const uncachedSet = mids.slice(SAMPLE + COLD + 1030, SAMPLE + COLD + 1030 + UNCACHED);
if (warmSet.length < SAMPLE || coldSet.length < COLD)
  log(`bench:web: only ${mids.length} messages: sets are ${warmSet.length} and ${coldSet.length}`);

// the thread closest to 84 messages among those of 60 to 120, and its first message
const bigThread = db.threadNear(inboxRow.id, 84, 60, 120);
if (!bigThread) {
  log(`bench:web: inbox "${INBOX}" holds no message`);
  await cleanup();
  process.exit(2);
}
const threadMid = db.threadStart(inboxRow.id, bigThread.tid)?.mid;
// each-once sets of whole threads (of 2 messages or more), disjoint per class so that no class
// finds what another left in a cache: their first messages, shuffled with the same seed
const threadFirsts = db.threadFirsts(inboxRow.id, 2, Number.MAX_SAFE_INTEGER);
shuffle(threadFirsts, rand);
const onceThreads = (k) => threadFirsts.slice(k * THREADS_ONCE, (k + 1) * THREADS_ONCE);
// distinct one-word subject searches, each asked once: words of 5 letters or more from subjects
const onceWords = [
  ...new Set(db.subjects(inboxRow.id).flatMap((subject) => subject.toLowerCase().match(/\b[a-z]{5,}\b/g) ?? [])),
];
shuffle(onceWords, rand);
const totalMessages = db.messageCount(inboxRow.id);
// series pages: 200 series picked with the same fixed seed, and those with an earlier version
const allSeries = db.series(inboxRow.id);
shuffle(allSeries, rand);
const seriesSet = allSeries.slice(0, 200);
const rerollSet = allSeries.filter((x) => x.prev !== null).slice(0, 200);
db.close();
log(
  `store: ${totalMessages} messages in inbox "${INBOX}"; thread ${bigThread.tid} has ${bigThread.n} messages, first <${threadMid}>`,
);

const tm = midEscape(threadMid ?? '');
/**
 * A class of URLs, measured on its own.
 * @typedef {object} UrlClass
 * @property {string} id
 * @property {string} label
 * @property {string[]} paths under the inbox
 * @property {string[]} [warmup] asked for before the measured run instead of `paths`
 * @property {boolean} [onePass] each URL asked once (no cache can help)
 * @property {boolean} [search] searches, also timed one at a time uncached
 * @property {boolean} [lkOnly] a page public-inbox does not have
 */
/** @type {UrlClass[]} */
const CLASSES = [
  { id: 'message', label: `message page (${warmSet.length} msgs)`, paths: warmSet.map((m) => `${midEscape(m)}/`) },
  {
    id: 'message-cold',
    label: `message page, cold (${coldSet.length})`,
    paths: coldSet.map((m) => `${midEscape(m)}/`),
    // warmed on other messages, so that the measured ones are not cached by the warm-up
    warmup: coldWarmupSet.length ? coldWarmupSet.map((m) => `${midEscape(m)}/`) : undefined,
  },
  {
    id: 'message-uncached',
    label: `message page, each once (${uncachedSet.length})`,
    paths: uncachedSet.map((m) => `${midEscape(m)}/`),
    // wrk cannot stop after one pass: a Node client asks for each message exactly once, 8 at a time,
    // so that no answer can come from a cache (latencies are then per request, uncorrected)
    onePass: true,
    warmup: coldWarmupSet.length ? coldWarmupSet.map((m) => `${midEscape(m)}/`) : undefined,
  },
  ...[
    ['thread-once', 'T/', '/T/'],
    ['nested-once', 't/', '/t/'],
    ['thread-mbox-once', 't.mbox.gz', 't.mbox.gz'],
    ['thread-atom-once', 't.atom', 't.atom'],
  ].map(([id, end, name], k) => ({
    id,
    label: `${name}, each once (${onceThreads(k).length} threads)`,
    paths: onceThreads(k).map((m) => `${midEscape(m)}/${end}`),
    onePass: true,
  })),
  {
    id: 'search-once',
    label: `search s:WORD, each once (${Math.min(onceWords.length, THREADS_ONCE)})`,
    paths: onceWords.slice(0, THREADS_ONCE).map((w) => searchPath(`s:${w}`)),
    onePass: true,
  },
  { id: 'raw', label: `raw (${warmSet.length} msgs)`, paths: warmSet.map((m) => `${midEscape(m)}/raw`) },
  { id: 'thread', label: `/T/ (${bigThread.n}-msg thread)`, paths: [`${tm}/T/`] },
  { id: 'thread-mbox', label: `t.mbox.gz (${bigThread.n} msgs)`, paths: [`${tm}/t.mbox.gz`] },
  { id: 'atom', label: 'new.atom', paths: ['new.atom'] },
  { id: 'index', label: 'index /NAME/', paths: [''] },
  { id: 'search', label: `search ?q= (${QUERIES.length} queries)`, paths: QUERIES.map(searchPath), search: true },
  {
    id: 'series',
    label: `series page (${seriesSet.length} series)`,
    paths: seriesSet.map((x) => `${midEscape(x.mid)}/series/`),
    lkOnly: true,
  },
  {
    id: 'series-interdiff',
    label: `series ?vs= interdiff (${rerollSet.length})`,
    paths: rerollSet.map((x) => `${midEscape(x.mid)}/series/?vs=${x.prev}`),
    lkOnly: true,
  },
  {
    id: 'series-json',
    label: `series.json (${seriesSet.length})`,
    paths: seriesSet.map((x) => `${midEscape(x.mid)}/series.json`),
    lkOnly: true,
  },
  {
    id: 'series-mbox',
    label: `series.mbox (${seriesSet.length})`,
    paths: seriesSet.map((x) => `${midEscape(x.mid)}/series.mbox`),
    lkOnly: true,
  },
  {
    id: 'series-once',
    label: `series page, each once (${Math.min(allSeries.length, 200 + THREADS_ONCE) - 200})`,
    paths: allSeries.slice(200, 200 + THREADS_ONCE).map((x) => `${midEscape(x.mid)}/series/`),
    onePass: true,
    lkOnly: true,
  },
  { id: 'series-list', label: 'series list /NAME/series/', paths: allSeries.length ? ['series/'] : [], lkOnly: true },
];
/** Pages public-inbox has no counterpart for: measured on lorekeeper alone, against a latency target. */
const LK_ONLY_P99_MS = 100;
const only = opt.only ? new Set(opt.only.split(',').map((s) => s.trim())) : undefined;
for (const c of CLASSES) if (!c.paths.length) log(`bench:web: ${c.id}: the archive is too small for it, skipped`);
const classes = (only ? CLASSES.filter((c) => only.has(c.id)) : CLASSES).filter((c) => c.paths.length);
if (!classes.length) {
  log(`bench:web: --only matches no class (classes: ${CLASSES.map((c) => c.id).join(', ')})`);
  await cleanup();
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// measuring one server

/**
 * Runs every class against `base` (absolute URL of the inbox, with a trailing slash).
 * `check()` returns a string when the server died, `restart()` brings it back.
 */
/**
 * What one server did: each class's figures, the uncached single requests, notes on its troubles.
 * @typedef {object} ServerResult
 * @property {string} base
 * @property {Record<string, any>} classes
 * @property {string[]} notes
 * @property {ReturnType<typeof summarize>} [probe]
 * @property {number} [peakRssMB]
 */

/**
 * @param {string} name
 * @param {string} base
 * @param {{ check?: () => string | undefined, restart?: () => Promise<unknown> }} [server]
 * @returns {Promise<ServerResult>}
 */
async function benchServer(name, base, server = {}) {
  const u = new URL(base);
  const origin = u.origin + '/';
  const prefix = u.pathname.endsWith('/') ? u.pathname : u.pathname + '/';
  const port = Number(u.port || 80);
  /** @type {ServerResult} */
  const out = { base, classes: {}, notes: [] };

  // uncached single requests: message pages never asked for before, one at a time
  const probe = [];
  await waitIdle(port);
  for (const m of probeSet) {
    const r = await get(base + midEscape(m) + '/');
    probe.push({ path: prefix + midEscape(m) + '/', status: r.status, ms: r.ms });
  }
  if (probe.length) {
    out.probe = summarize(probe);
    log(`[${name}] uncached message pages, one at a time: ${describe(out.probe)}`);
  }

  let indexBody;
  for (const c of classes) {
    if (c.lkOnly && name !== 'lorekeeper') {
      out.classes[c.id] = { na: 'public-inbox has no such page' };
      continue;
    }
    const died = server.check?.();
    if (died) {
      out.notes.push(`${name} was down before ${c.id}: ${died}; restarted`);
      log(`[${name}] ${died}; restarting`);
      await server.restart?.();
    }
    const paths = c.paths.map((p) => prefix + p);
    const idle0 = await waitIdle(port);
    const first = await get(origin.replace(/\/$/, '') + (c.warmup ? prefix + c.warmup[0] : paths[0]));
    const res = {
      urls: paths.length,
      first: {
        path: c.warmup ? prefix + c.warmup[0] : paths[0],
        status: first.status,
        ms: first.ms,
        bytes: first.body.length,
      },
    };
    out.classes[c.id] = res;
    if (c.search) {
      // a search page must answer 2xx and be about the query, not the inbox's index
      indexBody ??= (await get(base)).body;
      const q = QUERIES[0];
      const text = first.body.toString('utf8');
      if (!okStatus(first.status) || first.status >= 300) {
        res.na = `HTTP ${first.status || first.error} for ${res.first.path}`;
      } else if (first.body.equals(indexBody) || !text.includes(q)) {
        res.na = `${res.first.path} answered ${first.status} with the index page (the query is ignored)`;
      }
    } else if (first.status === 0 || first.status >= 500 || first.status === 404) {
      if (c.paths.length === 1) res.na = `HTTP ${first.status || first.error} for ${res.first.path}`;
    }
    if (res.na) {
      log(`[${name}] ${c.id}: n/a (${res.na})`);
      continue;
    }
    if (c.search) {
      // the measured run cycles through few queries, which a response cache answers after the first
      // time: ask each once, one at a time, to show what an uncached search costs
      const once = [{ path: paths[0], status: first.status, ms: first.ms }];
      for (const p of paths.slice(1)) {
        const r = await get(origin.replace(/\/$/, '') + p);
        once.push({ path: p, status: r.status, ms: r.ms });
      }
      res.uncached = summarize(once);
      log(`[${name}] uncached searches, one at a time: ${describe(res.uncached)}`);
    }
    try {
      // an each-once class without a warm-up set of its own is not warmed: that would cache it
      if (WARMUP > 0 && !(c.onePass && !c.warmup)) {
        await wrk(
          origin,
          writeScript(
            `${name}-${c.id}-warmup`,
            (c.warmup ?? c.paths).map((p) => prefix + p),
          ),
          WARMUP,
        );
      }
      const idle = await waitIdle(port, { quietMs: QUIET_WAIT * 1000 });
      const pids = listenerPids(port);
      const before = { machine: machineTicks(), server: serverSnapshot(pids), self: selfTicks() };
      const m = c.onePass
        ? await onePass(origin.replace(/\/$/, ''), c.warmup ? paths : paths.slice(1))
        : await wrk(origin, writeScript(`${name}-${c.id}`, paths), DURATION);
      const after = { machine: machineTicks(), server: serverSnapshot(pids), self: selfTicks() };
      const serverTicks = serverTicksBetween(before.server, after.server);
      const totalTicks = after.machine.total - before.machine.total;
      Object.assign(res, m, {
        // CPU the server spent per answer: the figure least disturbed by other programs
        serverCpuMsPerRequest: pids.length && m.requests ? (serverTicks * 10) / m.requests : undefined,
        serverCpuCores: pids.length ? serverTicks / 100 / m.seconds : undefined,
        // share of the machine other programs used during the run (not the server, wrk or this script)
        otherCpuDuring:
          totalTicks > 0
            ? Math.min(
                100,
                Math.max(
                  0,
                  (after.machine.busy - before.machine.busy - serverTicks - (after.self - before.self)) / totalTicks,
                ) * 100,
              )
            : undefined,
        requestsPerUrl: m.requests / paths.length,
        settleMs: Math.max(idle0.ms, idle.ms),
        otherCpuBefore: idle.backgroundCpu,
      });
      log(
        `[${name}] ${c.id.padEnd(12)} ${m.rps.toFixed(1).padStart(9)} req/s  p50 ${fmtMs(m.p50Ms).padStart(8)}  p99 ${fmtMs(m.p99Ms).padStart(8)}  errors ${m.errors}` +
          (m.errors ? ` (non-2xx/3xx ${m.non2xx3xx}, socket ${JSON.stringify(m.socketErrors)})` : '') +
          (m.avgKB !== undefined ? `  ${m.avgKB.toFixed(1)} KB/answer` : '') +
          (res.otherCpuDuring > 15 ? `  (other programs used ${Math.round(res.otherCpuDuring)}% of the machine)` : ''),
      );
    } catch (e) {
      res.failed = e.message;
      log(`[${name}] ${c.id}: ${e.message}`);
    }
    const died2 = server.check?.();
    if (died2) {
      res.crashed = died2;
      out.notes.push(`${name} died during ${c.id}: ${died2}`);
    }
    if (res.errors > 0 && !res.crashed) res.failing = await findFailures(origin.replace(/\/$/, ''), paths);
  }
  return out;
}

/**
 * Each path once, CONNECTIONS at a time, over keep-alive connections; stops asking after
 * max(3 x --duration, 30) seconds. Answers in the shape parseWrk gives.
 */
async function onePass(origin, paths) {
  const lat = [];
  let next = 0;
  let non2xx3xx = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + Math.max(3 * DURATION, 30) * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < paths.length && performance.now() < deadline) {
        const r = await get(origin + paths[next++], TIMEOUT * 1000);
        if (r.status === 0) {
          failed++;
          continue;
        }
        lat.push(r.ms);
        if (!okStatus(r.status)) non2xx3xx++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((q / 100) * lat.length) - 1)] : undefined);
  const requests = lat.length;
  const ok = requests - non2xx3xx;
  return {
    requests,
    seconds,
    ok,
    non2xx3xx,
    rps: ok / seconds,
    wrkRps: requests / seconds,
    socketErrors: { connect: 0, read: failed, write: 0, timeout: 0 },
    errors: non2xx3xx + failed,
    avgMs: requests ? lat.reduce((a, b) => a + b, 0) / requests : undefined,
    maxMs: lat[lat.length - 1],
    p50Ms: pct(50),
    p75Ms: pct(75),
    p90Ms: pct(90),
    p99Ms: pct(99),
    avgKB: undefined,
    notAsked: paths.length - next,
    command: `node fetch, each of ${paths.length} URLs once, ${CONNECTIONS} at a time`,
  };
}

/** p50 and max of single requests, with the slowest and the failed ones. */
function summarize(list) {
  const ms = list.map((p) => p.ms).sort((a, b) => a - b);
  const slowest = list.reduce((a, b) => (b.ms > a.ms ? b : a));
  return {
    count: list.length,
    p50Ms: ms[Math.floor(ms.length / 2)],
    maxMs: ms[ms.length - 1],
    slowest,
    failed: list.filter((p) => !okStatus(p.status)),
  };
}

function describe(p) {
  if (!p) return '-';
  return (
    `p50 ${fmtMs(p.p50Ms)}, max ${fmtMs(p.maxMs)} (${p.slowest.path})` +
    (p.failed.length
      ? `, ${p.failed.length} failed (e.g. ${p.failed[0].status || 'no answer'} for ${p.failed[0].path})`
      : '')
  );
}

/** Which URLs of a class fail, and how: up to 10 examples, at most 60 s of looking. */
async function findFailures(origin, paths) {
  const examples = [];
  let failed = 0;
  let checked = 0;
  const deadline = Date.now() + 60_000;
  let next = 0;
  const worker = async () => {
    while (next < paths.length && Date.now() < deadline) {
      const p = paths[next++];
      const r = await get(origin + p, TIMEOUT * 1000);
      checked++;
      if (!okStatus(r.status)) {
        failed++;
        if (examples.length < 10)
          examples.push({
            path: p,
            status: r.status,
            error: r.error,
            ms: Math.round(r.ms),
            body: r.body.subarray(0, 200).toString('utf8'),
          });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { checked, failed, examples };
}

// ---------------------------------------------------------------------------------------------
// public-inbox

const started = new Date();
let pi;
let piSource;
if (opt['no-pi']) {
  piSource = 'skipped (--no-pi)';
} else if (opt['pi-url']) {
  const base = opt['pi-url'].endsWith('/') ? opt['pi-url'] : opt['pi-url'] + '/';
  const r = await get(base, 30_000);
  if (okStatus(r.status)) {
    piSource = `running public-inbox-httpd at ${base}`;
    log(`public-inbox: ${piSource}`);
    pi = await benchServer('public-inbox', base);
  } else {
    piSource = `unavailable: ${base} answered ${r.status || r.error}`;
    log(`public-inbox: ${piSource}; reporting lorekeeper alone`);
  }
} else if (!existsSync(MBOX)) {
  piSource = `unavailable: no mbox at ${MBOX} to build it from`;
} else {
  const piWork = join(work, 'pi');
  mkdirSync(piWork, { recursive: true });
  const port = await freePort();
  log(`public-inbox: building a reference inbox with ${PI_REFERENCE} (slow, about 4 minutes) ...`);
  const t0 = Date.now();
  const reference = await startPiReference(MBOX, INBOX, port, piWork).catch((e) => {
    piSource = `unavailable: ${e.message}`;
    log(`public-inbox: ${piSource}; reporting lorekeeper alone`);
  });
  if (reference) {
    cleanups.push(reference.stop);
    piSource = `public-inbox-httpd built by pi-reference in ${Math.round((Date.now() - t0) / 1000)} s, at ${reference.url}`;
    log(`public-inbox: ${piSource}`);
    pi = await benchServer('public-inbox', reference.url);
    await reference.stop();
    cleanups.splice(cleanups.indexOf(reference.stop), 1);
  }
}

// ---------------------------------------------------------------------------------------------
// lorekeeper

const lkPort = await freePort();
const lkBase = `http://127.0.0.1:${lkPort}/${INBOX}/`;
const lkLog = join(work, 'lorekeeper-serve.log');
/** @type {ReturnType<typeof startServe> | undefined} */
let lk;
let lkPeakRss = 0;
let rssTimer;

async function startLorekeeper() {
  const server = startServe(dataDir, lkPort, { logFile: lkLog, probeUrl: lkBase });
  lk = server;
  await server.ready();
}

async function stopLorekeeper() {
  clearInterval(rssTimer);
  await lk?.stop();
}

cleanups.push(stopLorekeeper);
/** @type {ServerResult} */
let lkResult;
try {
  log(`lorekeeper: serving ${dataDir} at ${lkBase}`);
  await startLorekeeper();
  rssTimer = setInterval(() => {
    lkPeakRss = Math.max(lkPeakRss, procStatus(lk?.child.pid, 'VmRSS') ?? 0);
  }, 250);
  lkResult = await benchServer('lorekeeper', lkBase, {
    check: () => lk?.exited(),
    restart: startLorekeeper,
  });
  lkResult.peakRssMB = Math.max(lkPeakRss, procStatus(lk?.child.pid, 'VmHWM') ?? 0);
} catch (e) {
  log(`lorekeeper: ${e.message}`);
  lkResult = { base: lkBase, classes: {}, notes: [e.message] };
}
const lkLogTail = tail(lkLog, 20);
await stopLorekeeper();

// ---------------------------------------------------------------------------------------------
// report

const rows = classes.map((c) => {
  const p = pi?.classes[c.id];
  const l = lkResult.classes[c.id];
  const pRps = p && !p.na && !p.failed ? p.rps : undefined;
  const lRps = l && !l.na && !l.failed ? l.rps : undefined;
  const ratio = pRps && lRps !== undefined ? lRps / pRps : undefined;
  const vsRef = lRps !== undefined && REFERENCE[c.id] ? lRps / REFERENCE[c.id] : undefined;
  return {
    id: c.id,
    label: c.label,
    urls: c.paths.length,
    lkOnly: !!c.lkOnly,
    reference: REFERENCE[c.id],
    pi: p,
    lorekeeper: l,
    piRps: pRps,
    lkRps: lRps,
    ratio,
    vsReference: vsRef,
  };
});

const rate = (v, r) =>
  r?.na
    ? 'n/a'
    : r?.failed
      ? 'failed'
      : v === undefined
        ? '-'
        : r && !r.requests
          ? `0 (none in ${DURATION} s)`
          : v >= 100
            ? Math.round(v).toLocaleString('en-US')
            : v.toFixed(1);
const times = (v) => (v === undefined ? '-' : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}x`);
const errs = (r) => (!r ? '-' : r.na ? 'n/a' : r.failed ? 'failed' : String(r.errors));
const table = [
  [
    'class',
    'public-inbox req/s',
    'lorekeeper req/s',
    'ratio',
    'lorekeeper p50',
    'lorekeeper p99',
    'errors pi/lk',
    'ref PI req/s',
    'lk vs ref',
  ],
  ...rows.map((r) => [
    r.label,
    pi ? rate(r.piRps, r.pi) : 'n/a',
    rate(r.lkRps, r.lorekeeper),
    times(r.ratio),
    r.lkRps !== undefined ? fmtMs(r.lorekeeper.p50Ms) : '-',
    r.lkRps !== undefined ? fmtMs(r.lorekeeper.p99Ms) : '-',
    `${pi ? errs(r.pi) : 'n/a'}/${errs(r.lorekeeper)}`,
    r.reference?.toLocaleString('en-US') ?? '-',
    times(r.vsReference),
  ]),
];
const pct = (v) => (v === undefined ? '-' : `${Math.round(v)}%`);
const cpuMs = (r) =>
  r?.serverCpuMsPerRequest === undefined
    ? '-'
    : r.serverCpuMsPerRequest < 1
      ? r.serverCpuMsPerRequest.toFixed(3)
      : r.serverCpuMsPerRequest.toFixed(1);
const detail = [
  [
    'class',
    'pi p50',
    'pi p99',
    'pi max',
    'lk max',
    'pi KB/answer',
    'lk KB/answer',
    'pi 1st req',
    'lk 1st req',
    'lk req/URL',
    'CPU ms/req pi/lk',
    'other CPU pi/lk',
  ],
  ...rows.map((r) => [
    r.label,
    r.piRps !== undefined ? fmtMs(r.pi.p50Ms) : '-',
    r.piRps !== undefined ? fmtMs(r.pi.p99Ms) : '-',
    r.piRps !== undefined ? fmtMs(r.pi.maxMs) : '-',
    r.lkRps !== undefined ? fmtMs(r.lorekeeper.maxMs) : '-',
    r.piRps !== undefined ? (r.pi.avgKB?.toFixed(1) ?? '-') : '-',
    r.lkRps !== undefined ? (r.lorekeeper.avgKB?.toFixed(1) ?? '-') : '-',
    r.pi?.first ? `${r.pi.first.status} ${fmtMs(r.pi.first.ms)}` : '-',
    r.lorekeeper?.first ? `${r.lorekeeper.first.status} ${fmtMs(r.lorekeeper.first.ms)}` : '-',
    r.lkRps !== undefined ? r.lorekeeper.requestsPerUrl.toFixed(1) : '-',
    `${r.piRps !== undefined ? cpuMs(r.pi) : '-'}/${r.lkRps !== undefined ? cpuMs(r.lorekeeper) : '-'}`,
    `${pct(r.pi?.otherCpuDuring)}/${pct(r.lorekeeper?.otherCpuDuring)}`,
  ]),
];

console.log('');
console.log(
  `lorekeeper vs public-inbox-httpd, inbox "${INBOX}" (${totalMessages} messages), wrk -t${THREADS} -c${CONNECTIONS}, ` +
    `${DURATION} s per class and server after ${WARMUP} s warm-up, ${GZIP ? 'Accept-Encoding: gzip' : 'no gzip'}, ${cpus().length} CPUs`,
);
console.log(`public-inbox: ${piSource}`);
console.log(
  `req/s counts 2xx/3xx answers only; ratio = lorekeeper / public-inbox measured now; ref = the issue's public-inbox figures (32k-message list)`,
);
console.log('');
printTable(table);
console.log('');
printTable(detail);
console.log(
  "p50/p99 are wrk's, which corrects for coordinated omission: one stall of N ms at thousands of req/s puts p99 near N ms; max is the slowest",
);
console.log(
  'answer seen. 1st req: one uncached request before the warm-up. CPU ms/req: server CPU time per answer during the run. other CPU: share of the',
);
console.log('machine used by other programs (not the server, wrk or this script) during the run.');
if (rows.some((r) => classes.find((c) => c.id === r.id)?.onePass))
  console.log(
    '"each once": per request latencies from a Node client that asks for every message once (wrk cannot stop after one pass).',
  );
const busy = rows.flatMap((r) => [r.pi, r.lorekeeper]).filter((r) => (r?.otherCpuDuring ?? 0) > 15);
if (busy.length)
  console.log(
    `WARNING: other programs used up to ${Math.round(Math.max(...busy.map((r) => r.otherCpuDuring)))}% of the machine during some runs: those figures are lower and noisier than on a quiet machine`,
  );
console.log('');
if (pi?.probe || lkResult.probe) {
  console.log(
    `uncached message pages, ${probeSet.length} one at a time: public-inbox ${describe(pi?.probe)}; lorekeeper ${describe(lkResult.probe)}`,
  );
}
if (pi?.classes.search?.uncached || lkResult.classes.search?.uncached) {
  console.log(
    `uncached searches, ${QUERIES.length} one at a time: public-inbox ${describe(pi?.classes.search?.uncached)}; lorekeeper ${describe(lkResult.classes.search?.uncached)}`,
  );
}

// targets: 10x public-inbox on every class, message page p99 <= 50 ms
const compared = rows.filter((r) => !r.lkOnly);
const measured = compared.filter((r) => r.lkRps !== undefined);
const basis = (r) => (r.ratio !== undefined ? r.ratio : r.vsReference);
const missed = compared.filter((r) => r.lkRps === undefined || basis(r) < 10 || (r.lorekeeper?.errors ?? 0) > 0);
const msg = lkResult.classes.message;
console.log(
  `target >= 10x public-inbox${pi ? '' : ' (reference figures)'} without errors: ${measured.length - missed.filter((r) => r.lkRps !== undefined).length}/${compared.length} classes` +
    (missed.length
      ? `; missed: ${missed.map((r) => `${r.id} (${r.lkRps === undefined ? (r.lorekeeper?.na ?? r.lorekeeper?.failed ?? 'not measured') : `${times(basis(r))}${r.lorekeeper.errors ? `, ${r.lorekeeper.errors} errors` : ''}`})`).join(', ')}`
      : ''),
);
if (msg && !msg.na && !msg.failed)
  console.log(`target message page p99 <= 50 ms: ${msg.p99Ms <= 50 ? 'met' : 'missed'} (${fmtMs(msg.p99Ms)})`);
for (const r of rows.filter((x) => x.lkOnly && x.lkRps !== undefined)) {
  console.log(
    `target ${r.id} p99 <= ${LK_ONLY_P99_MS} ms without errors: ${r.lorekeeper.p99Ms <= LK_ONLY_P99_MS && !r.lorekeeper.errors ? 'met' : 'missed'} (${fmtMs(r.lorekeeper.p99Ms)}, ${Math.round(r.lkRps)} req/s, ${r.lorekeeper.errors} errors)`,
  );
}
if (lkResult.peakRssMB) console.log(`lorekeeper peak RSS: ${lkResult.peakRssMB.toFixed(0)} MiB`);
for (const [who, r] of /** @type {[string, ServerResult | undefined][]} */ ([
  ['public-inbox', pi],
  ['lorekeeper', lkResult],
])) {
  for (const n of r?.notes ?? []) console.log(`NOTE ${who}: ${n}`);
  for (const [id, c] of Object.entries(r?.classes ?? {})) {
    if (c.na) console.log(`NOTE ${who} ${id}: n/a, ${c.na}`);
    if (c.failed) console.log(`NOTE ${who} ${id}: ${c.failed}`);
    if (c.failing?.failed) {
      console.log(`NOTE ${who} ${id}: ${c.failing.failed} of ${c.failing.checked} URLs checked afterwards fail, e.g.:`);
      for (const e of c.failing.examples.slice(0, 5)) console.log(`  ${e.status || e.error} in ${e.ms} ms  ${e.path}`);
    } else if (c.errors && c.failing) {
      console.log(
        `NOTE ${who} ${id}: ${c.errors} errors during the run, but all ${c.failing.checked} URLs answer when asked one by one afterwards`,
      );
    }
  }
}
if (lkResult.notes.length && lkLogTail) console.log(`lorekeeper serve log (last lines):\n${lkLogTail}`);

if (opt.json) {
  const report = {
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    params: {
      duration: DURATION,
      warmup: WARMUP,
      connections: CONNECTIONS,
      threads: THREADS,
      timeout: TIMEOUT,
      gzip: GZIP,
      sample: SAMPLE,
      cold: COLD,
    },
    inbox: INBOX,
    messages: totalMessages,
    mbox: MBOX,
    dataDir: opt.data ? dataDir : undefined,
    ingest: ingestInfo,
    thread: { tid: bigThread.tid, messages: bigThread.n, mid: threadMid },
    queries: QUERIES,
    publicInbox: { source: piSource, base: pi?.base, probe: pi?.probe, notes: pi?.notes },
    lorekeeper: { base: lkBase, probe: lkResult.probe, peakRssMB: lkResult.peakRssMB, notes: lkResult.notes },
    reference: REFERENCE,
    classes: rows.map((r) => ({
      id: r.id,
      label: r.label,
      urls: r.urls,
      referenceRps: r.reference,
      ratio: r.ratio,
      vsReference: r.vsReference,
      publicInbox: r.pi,
      lorekeeper: r.lorekeeper,
    })),
  };
  writeFileSync(resolve(opt.json), JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${resolve(opt.json)}`);
}

await cleanup();
