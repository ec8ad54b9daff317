#!/usr/bin/env node
// bench:abuse: what an attacker with curl can still do to a running lorekeeper.
//   npm run bench:abuse -- --data DIR [--inbox NAME] [--junk 200000] [--concurrency 32]
// 1. the response cache's real cost per entry (heap and RSS per small entry, against what it counts);
// 2. server RSS before and after JUNK distinct junk URLs (unknown Message-IDs, cache-busting query
//    strings on real pages, unknown inboxes, Host variants), and the slowest of them;
// 3. the latency of single abusive requests (slash runs, 8 KB URLs, HEAD of a whole-inbox download,
//    forged Hosts), each on an idle server.
// DIR is a store made by `lorekeeper ingest` (e.g. of ../shared/corpus/virtualization.mbox.gz).

// @ts-check
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ResponseCache } from '../dist/serve/response-cache.js';
import {
  freePort,
  get,
  log,
  midEscape,
  positiveOption,
  processTree,
  procStatus,
  sleep,
  startServe,
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
      etag: '"a1b-abcdefghijklmnop"',
      compressible: false,
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
const server = startServe(o.data, port, { logFile: join(work, 'serve.log'), probeUrl: `${origin}/${o.inbox}/` });
await server.ready();
/**
 * @param {string} path
 * @param {{ method?: string, host?: string }} [options]
 */
const request = (path, { method, host } = {}) => get(origin + path, 60_000, { method, host, gzip: false });

const rss = () => processTree(server.child.pid).reduce((n, pid) => n + (procStatus(pid, 'VmRSS') ?? 0), 0);

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
const rssBefore = rss();
let slowest = { ms: 0 };
const statuses = {};
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < JUNK) {
      const j = junk(next++);
      const r = await request(j.path, j);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.ms > slowest.ms) slowest = { ...j, ms: r.ms };
    }
  }),
);
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
  await sleep(200);
  const r = await request(p.path, p);
  log(`${p.what.padEnd(32)} ${String(r.status).padStart(3)} ${r.ms.toFixed(1).padStart(8)} ms`);
}
log(`server RSS at the end: ${rss().toFixed(0)} MiB`);
await server.stop();
rmSync(work, { recursive: true, force: true });
