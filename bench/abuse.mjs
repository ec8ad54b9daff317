#!/usr/bin/env node
// bench:abuse: what an attacker with curl can still do to a running lorekeeper.
//   npm run bench:abuse -- --data DIR [--inbox NAME] [--junk 200000] [--concurrency 32] [--every 5000]
//                         [--json FILE]
// 1. the response cache's real cost per entry (heap and RSS per small entry, against what it counts);
// 2. server memory while JUNK distinct junk URLs arrive (unknown Message-IDs, cache-busting query
//    strings on real pages, unknown inboxes, Host variants), sampled every EVERY of them: each
//    process's RSS and its anonymous part from /proc (primary and each worker), and each worker's
//    own view, which LOREKEEPER_DEBUG_MEMORY=1 has it write to its log every second (V8's heap used
//    and total, external and array buffers, the response and thread caches' bytes); then the
//    slowest of them. --json writes the curve;
// 3. the latency of single abusive requests (slash runs, 8 KB URLs, HEAD of a whole-inbox download,
//    forged Hosts), each on an idle server.
// DIR is a store made by `lorekeeper ingest` (e.g. of ../shared/corpus/virtualization.mbox.gz).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ResponseCache } from '../dist/serve/response-cache.js';
import { MEMORY_LINE } from '../dist/serve/memory-log.js';
import {
  freePort,
  get,
  loadAverage,
  log,
  midEscape,
  positiveOption,
  processTree,
  procStatus,
  sleep,
  startServe,
  statTicks,
  usage,
} from './lib.mjs';

const PROG = 'bench:abuse';
let o;
try {
  o = parseArgs({
    options: {
      data: { type: 'string' },
      inbox: { type: 'string', default: 'virtualization' },
      junk: { type: 'string' },
      concurrency: { type: 'string' },
      every: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  log(`${PROG}: ${err.message} (--help says how)`);
  process.exit(2);
}
if (o.help) {
  console.log(usage(import.meta.url));
  process.exit(0);
}
if (!o.data) {
  log(`${PROG}: --data DIR is required (a store made by lorekeeper ingest)`);
  process.exit(2);
}
const num = positiveOption(PROG);
const JUNK = Math.round(num(o.junk, '--junk', 200_000));
const CONCURRENCY = Math.round(num(o.concurrency, '--concurrency', 32));
const EVERY = Math.round(num(o.every, '--every', 5000));
const work = mkdtempSync(join(tmpdir(), 'lk-abuse-'));

// ---------------------------------------------------------------------------------------------
// 1. cost of a cache entry, measured in this process

function cacheCost(n) {
  if (!global.gc) return undefined;
  const cache = new ResponseCache(2 ** 40);
  global.gc();
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    cache.set(` http://127.0.0.1:8080 /${o.inbox}/junk-${i}@example.org/?`, {
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
      body: Buffer.from('Not Found'),
      compressible: false,
      etag: '"a1b-abcdefghijklmnop"',
    });
  }
  global.gc();
  const after = process.memoryUsage();
  const per = (k) => (after[k] - before[k]) / n;
  return { heap: per('heapUsed') + per('external'), rss: per('rss'), counted: cache.stats().bytes / n };
}

const cost = cacheCost(200_000);
if (cost) {
  log(
    `cache entry (200,000 small ones): ${cost.heap.toFixed(0)} B of heap, ${cost.rss.toFixed(0)} B of RSS each; ` +
      `the cache counts ${cost.counted.toFixed(0)} B`,
  );
} else log('cache entry cost: run with node --expose-gc to measure it');

// ---------------------------------------------------------------------------------------------
// 2. junk URLs against a running server

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const serveLog = join(work, 'serve.log');
const server = startServe(o.data, port, {
  logFile: serveLog,
  probeUrl: `${origin}/${o.inbox}/`,
  env: { LOREKEEPER_DEBUG_MEMORY: '1' },
});
await server.ready();
/**
 * @param {string} path
 * @param {{ method?: string, host?: string }} [options]
 */
const request = (path, { method, host } = {}) => get(origin + path, 60_000, { method, host, gzip: false });

const rss = () => processTree(server.child.pid).reduce((n, pid) => n + (procStatus(pid, 'VmRSS') ?? 0), 0);
const MiB = (bytes) => bytes / 2 ** 20;

/** `kB` lines of /proc/PID/smaps_rollup in MiB (Rss, Anonymous, ...): what of a process's memory is its own. */
function smapsRollup(pid) {
  const out = {};
  try {
    for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').matchAll(/^(\w+):\s+(\d+) kB/gm))
      out[m[1]] = Number(m[2]) / 1024;
  } catch {
    /* the process ended */
  }
  return out;
}

/** The last line each worker wrote about its own memory (LOREKEEPER_DEBUG_MEMORY), by pid. */
function workerViews() {
  const views = new Map();
  for (const line of readFileSync(serveLog, 'utf8').split('\n'))
    if (line.startsWith(MEMORY_LINE)) {
      const v = JSON.parse(line.slice(MEMORY_LINE.length));
      views.set(v.pid, v);
    }
  return views;
}

/** Every process of the server now: its RSS and anonymous memory, and a worker's own view. */
function sample(done) {
  const views = workerViews();
  const procs = processTree(server.child.pid).map((pid, i) => {
    const sm = smapsRollup(pid);
    const v = views.get(pid);
    return {
      pid,
      role: i === 0 ? 'primary' : 'worker',
      rss: sm.Rss ?? 0,
      anon: sm.Anonymous ?? 0,
      cpu: (statTicks(pid, false) ?? 0) / 100,
      ...(v && {
        heapUsed: MiB(v.heapUsed),
        heapTotal: MiB(v.heapTotal),
        external: MiB(v.external),
        arrayBuffers: MiB(v.arrayBuffers),
        cache: MiB(v.cacheBytes),
        cacheEntries: v.cacheEntries,
        threads: MiB(v.threadCacheBytes),
      }),
    };
  });
  const s = { junk: done, seconds: (performance.now() - started) / 1000, load: loadAverage(), procs };
  const f = (n) => (n === undefined ? '-' : n.toFixed(1));
  log(
    `after ${String(done).padStart(7)} junk, ${s.seconds.toFixed(0)} s, load ${s.load.toFixed(1)}: total RSS ` +
      `${f(procs.reduce((n, p) => n + p.rss, 0))} MiB, CPU ${f(procs.reduce((n, p) => n + p.cpu, 0))} s`,
  );
  for (const p of procs)
    log(
      `  ${p.role.padEnd(7)} ${String(p.pid).padStart(7)}  RSS ${f(p.rss).padStart(6)} anon ${f(p.anon).padStart(6)}` +
        (p.heapTotal === undefined
          ? ''
          : `  heap ${f(p.heapUsed)}/${f(p.heapTotal)} external ${f(p.external)} (array buffers ` +
            `${f(p.arrayBuffers)}) response cache ${f(p.cache)} (${p.cacheEntries}) threads ${f(p.threads)}`),
    );
  curve.push(s);
}
const curve = [];

/** The i-th junk request: every one a URL nobody asked for before. */
function junk(i) {
  switch (i % 5) {
    case 0:
      return { path: `/${o.inbox}/${midEscape(`junk-${i}@example.org`)}/` };
    case 1:
      return { path: `/${o.inbox}/?cb=${i}` };
    case 2:
      return { path: `/no-such-inbox-${i}/x/` };
    case 3:
      return { path: `/${o.inbox}/${midEscape(`junk-${i}@example.org`)}/raw` };
    default:
      return { path: `/${o.inbox}/new.atom`, host: `h${i}.example` };
  }
}

await request(`/${o.inbox}/`);
// every worker has written its view once the timer of its memory log has run
await sleep(1500);
const rssBefore = rss();
let slowest = { ms: 0 };
const statuses = {};
let next = 0;
let done = 0;
const started = performance.now();
sample(0);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < JUNK) {
      const j = junk(next++);
      const r = await request(j.path, j);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.ms > slowest.ms) slowest = { ...j, ms: r.ms };
      if (++done % EVERY === 0 && done < JUNK) sample(done);
    }
  }),
);
sample(done);
const seconds = (performance.now() - started) / 1000;
const rssAfter = rss();
log(
  `${JUNK} junk URLs in ${seconds.toFixed(1)} s (${(JUNK / seconds).toFixed(0)} req/s, ` +
    `statuses ${JSON.stringify(statuses)}): server RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MiB; ` +
    `slowest ${slowest.ms.toFixed(1)} ms (${slowest.path})`,
);

// ---------------------------------------------------------------------------------------------
// 3. single abusive requests on an idle server

const probes = [
  { what: '8,000 slashes', path: `/${o.inbox}/${'/'.repeat(8000)}x` },
  { what: '4,000 a/ segments', path: `/${'a/'.repeat(4000)}x` },
  { what: 'an 8 KB Message-ID', path: `/${o.inbox}/${'x'.repeat(8100)}/` },
  { what: 'legacy /m/ with 8,000 slashes', path: `/${o.inbox}/m/${'/'.repeat(8000)}x.html` },
  { what: 'HEAD all.mbox.gz', path: `/${o.inbox}/all.mbox.gz`, method: 'HEAD' },
  { what: 'index under a forged Host', path: `/${o.inbox}/`, host: 'evil.example' },
  { what: 'partial-match page', path: `/${o.inbox}/2019/` },
];
for (const p of probes) {
  await new Promise((r) => setTimeout(r, 200));
  const r = await request(p.path, p);
  log(`${p.what.padEnd(32)} ${String(r.status).padStart(3)} ${r.ms.toFixed(1).padStart(8)} ms`);
}
log(`server RSS at the end: ${rss().toFixed(0)} MiB`);
if (o.json) {
  writeFileSync(o.json, JSON.stringify({ junk: JUNK, concurrency: CONCURRENCY, statuses, curve }, null, 2) + '\n');
  log(`wrote ${o.json}`);
}
await server.stop();
rmSync(work, { recursive: true, force: true });
