#!/usr/bin/env node
// npm run bench:api -- [--mbox MBOX[.gz]] [--data DIR] [--inbox NAME] [--duration S]
//                      [--connections N] [--threads N] [--timeout S] [--json FILE]
//
// The Patchwork API's two hot lists on a real archive (by default the virtualization list):
//   series:  GET /api/1.2/series/?project=NAME&page=P, every page of the inbox's series (what
//            git-pw series list and CI pollers read);
//   msgid:   GET /api/1.2/patches/?project=NAME&archived=false&msgid=MID, 500 patches (b4's lookup
//            before it sets a state).
// Uncached: a fresh `lorekeeper serve` (after one request for a list outside the measured URLs,
// which compiles the code they run), each URL asked once, one at a time (p50, p99, max; target
// p99 <= 20 ms), with the server's CPU time per answer (clock ticks of its processes). Cached:
// wrk at --connections (default 8) for --duration seconds (default 10) cycling through the same
// URLs after they were all asked once (target >= 5,000 req/s). The load average of the machine is
// printed before and after: the figures depend on it.

// @ts-check
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import {
  log,
  midEscape,
  freePort,
  get,
  fmtMs,
  printTable,
  hasStore,
  ingest,
  startServe,
  benchOptions,
  cleanupOnExit,
  writeWrkScript,
  wrk,
  waitIdle,
  listenerPids,
  serverSnapshot,
  serverTicksBetween,
} from './lib.mjs';
import { StoreSamples } from '../dist/store/samples.js';

const PROG = 'bench:api';
const { opt, duration, connections, threads, timeout, mbox } = benchOptions(
  PROG,
  import.meta.url,
  {},
  { duration: 10, connections: 8, threads: 2, timeout: 10 },
);
const INBOX = opt.inbox ?? 'virtualization';
const MSGIDS = 500;

const work = mkdtempSync(join(tmpdir(), 'lk-bench-api-'));
const { cleanups, cleanup } = cleanupOnExit(PROG, work, { keep: !!opt.data });
const dataDir = opt.data ?? join(work, 'data');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

try {
  log(`${PROG}: ${cpus().length} CPUs, load average ${load()}`);
  if (!hasStore(dataDir)) {
    log(`${PROG}: ingesting ${mbox} into ${dataDir} ...`);
    const s = await ingest(dataDir, INBOX, [mbox]);
    log(`${PROG}: ${s.added} messages in ${s.seconds} s`);
  }
  const db = new StoreSamples(dataDir);
  const inboxId = db.inboxId(INBOX);
  if (inboxId === undefined) throw new Error(`inbox ${INBOX} is not in ${dataDir}`);
  const seriesCount = db.seriesIds(inboxId).length;
  const mids = db.patchMids(inboxId, MSGIDS);
  db.close();
  const classes = {
    series: Array.from(
      { length: Math.ceil(seriesCount / 30) },
      (_, i) => `/api/1.2/series/?project=${INBOX}&page=${i + 1}`,
    ),
    msgid: mids.map((m) => `/api/1.2/patches/?project=${INBOX}&archived=false&msgid=${midEscape(m)}`),
  };
  log(`${PROG}: ${seriesCount} series (${classes.series.length} pages), ${mids.length} patches by Message-ID`);

  const rows = [];
  const json = { machine: { cpus: cpus().length }, classes: {} };
  for (const [name, paths] of Object.entries(classes)) {
    // a fresh server for each class: nothing of it is cached
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const server = startServe(dataDir, port, { logFile: join(work, 'serve.log'), probeUrl: `${origin}/api/1.2/` });
    cleanups.push(() => server.stop());
    await server.ready();
    // a fresh process compiles its code on the first requests: one list outside the measured URLs first
    if (!(await get(`${origin}/api/1.2/series/?per_page=1`)).status) throw new Error('no answer');
    await waitIdle(port, { maxMs: 20_000, quietMs: 2_000 });
    const loadBefore = load();
    const pids = listenerPids(port);
    const cpuBefore = serverSnapshot(pids);
    const times = [];
    for (const p of paths) {
      const t0 = process.hrtime.bigint();
      const r = await get(`${origin}${p}`);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
    }
    // the server's own CPU per answer does not depend on what else the machine runs (wall times do)
    const cpuMs = (serverTicksBetween(cpuBefore, serverSnapshot(pids)) * 10) / paths.length;
    times.sort((a, b) => a - b);
    const pct = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
    // every URL was asked once: now each is cached
    const script = writeWrkScript(join(work, `${name}.lua`), paths, { threads, gzip: false, by: 'bench/api.mjs' });
    const w = await wrk(origin, script, duration, { threads, connections, timeout });
    const loadAfter = load();
    await server.stop();
    cleanups.pop();
    rows.push([
      name,
      String(paths.length),
      fmtMs(pct(0.5)),
      fmtMs(pct(0.99)),
      fmtMs(times.at(-1)),
      fmtMs(cpuMs),
      Math.round(w.rps).toLocaleString('en'),
      fmtMs(w.p99Ms),
      String(w.errors),
      `${loadBefore} -> ${loadAfter}`,
    ]);
    json.classes[name] = {
      urls: paths.length,
      uncached: { p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: times.at(-1), serverCpuMs: cpuMs },
      cached: { rps: w.rps, p99Ms: w.p99Ms, errors: w.errors, command: w.command },
      loadBefore,
      loadAfter,
    };
  }
  printTable([
    ['class', 'URLs', 'uncached p50', 'p99', 'max', 'server CPU', 'cached req/s', 'p99', 'errors', 'load average'],
    ...rows,
  ]);
  if (opt.json) writeFileSync(opt.json, JSON.stringify(json, null, 2));
} finally {
  await cleanup();
}
