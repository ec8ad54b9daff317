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
// series-json, series-mbox (am-ready), series-list (/NAME/series/).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync, readFileSync, openSync, closeSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join, dirname, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// options

const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: false,
  options: {
    mbox: { type: 'string' },
    data: { type: 'string' },
    inbox: { type: 'string' },
    'pi-url': { type: 'string' },
    'no-pi': { type: 'boolean' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    threads: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
    sample: { type: 'string' },
    cold: { type: 'string' },
    uncached: { type: 'string' },
    identity: { type: 'boolean' },
    'quiet-wait': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

function posInt(v, name, fallback) {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench:web: ${name} must be a positive number, not ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

const DURATION = posInt(opt.duration, '--duration', 10);
const WARMUP = opt.warmup === '0' ? 0 : posInt(opt.warmup, '--warmup', 2);
const CONNECTIONS = Math.round(posInt(opt.connections, '--connections', 8));
// one wrk thread by default: both servers are single-process, so on a 2-core machine the server
// keeps one core and wrk the other
const THREADS = Math.min(CONNECTIONS, Math.round(posInt(opt.threads, '--threads', 1)));
const TIMEOUT = posInt(opt.timeout, '--timeout', 30);
// before each measured run, wait up to this long for other programs to leave the CPUs alone
const QUIET_WAIT = opt['quiet-wait'] === '0' ? 0 : posInt(opt['quiet-wait'], '--quiet-wait', 20);
const SAMPLE = Math.round(posInt(opt.sample, '--sample', 500));
const COLD = Math.round(posInt(opt.cold, '--cold', 5000));
// messages asked for exactly once each by the uncached class
const UNCACHED = Math.round(posInt(opt.uncached, '--uncached', 2000));
const GZIP = !opt.identity;
const MBOX = resolve(opt.mbox ?? join(root, '..', 'shared', 'corpus', 'virtualization.mbox.gz'));
const PI_TOOL = join(root, '..', 'shared', 'tools', 'pi-reference');
const STORE_FILE = 'lorekeeper.sqlite3';

/** public-inbox 1.9 on a similar 32k-message list, as measured by the issue's author (req/s). */
const REFERENCE = {
  message: 126, 'message-cold': 126, 'message-uncached': 126, raw: 1628, thread: 10, 'thread-mbox': 20, atom: 25, index: 75, search: 96,
};

/** Realistic searches: the prefixes people type on lore (public-inbox's search syntax). */
const QUERIES = [
  's:virtio', 'f:mst', 'vhost', '"memory barrier"', 'd:20230101..', 'b:vring', 'dfn:drivers/vhost/net.c',
  's:"PATCH v2" vdpa', 'virtio_net', 'f:jasowang s:vdpa', 's:vsock', 'b:"use after free"', 'dfhh:vhost_net',
  'iommu AND kvm', 's:drm NOT s:virtio', 'nq:virtqueue', 'q:sev', 'dfa:spin_lock', 'rt:2023-06-01..2023-06-30',
  'balloon deflate', 's:"virtio-mem"', 'dfb:READ_ONCE',
];

const log = (...a) => console.error(...a);

// ---------------------------------------------------------------------------------------------
// cleanup: only what this script started

const work = mkdtempSync(join(tmpdir(), 'lk-web-bench-'));
const cleanups = [];
let currentWrk;
let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  if (currentWrk && currentWrk.exitCode === null) currentWrk.kill('SIGTERM');
  for (const f of cleanups.reverse()) {
    try { await f(); } catch (e) { log(`cleanup: ${e.message}`); }
  }
  rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`\nbench:web: ${sig}, stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** public-inbox's mid_escape: keep A-Za-z0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @, %XX the rest (UTF-8). */
function midEscape(mid) {
  let out = '';
  for (const b of Buffer.from(mid, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The query string a browser's search form sends. */
const searchPath = (q) => `?${new URLSearchParams({ q })}`;

/** Deterministic PRNG (mulberry32), so every run samples the same messages. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function get(url, timeoutMs = 60_000) {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { 'accept-encoding': GZIP ? 'gzip' : 'identity' } });
    const body = Buffer.from(await r.arrayBuffer());
    return { status: r.status, ms: performance.now() - t0, body, type: r.headers.get('content-type') ?? '' };
  } catch (e) {
    const error = e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message ?? String(e);
    return { status: 0, ms: performance.now() - t0, body: Buffer.alloc(0), error };
  }
}

const okStatus = (s) => s >= 200 && s < 400;

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function procStatus(pid, key) {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Stop a process tree this script started: TERM, then KILL after 10 s. */
async function stopTree(pid) {
  const kids = childrenOf(pid);
  for (const p of [pid, ...kids]) { try { process.kill(p, 'SIGTERM'); } catch { /* gone */ } }
  for (let i = 0; i < 100 && [pid, ...kids].some(alive); i++) await sleep(100);
  for (const p of [pid, ...kids]) { if (alive(p)) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
}

function run(cmd, argv, { env, stdout = 'pipe' } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', stdout, 'pipe'], env: env ?? process.env });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (code, signal) => res({ code, signal, out, err }));
  });
}

// ---------------------------------------------------------------------------------------------
// waiting for a server to be idle: wrk abandons the requests in flight when its time is up, and a
// slow server goes on working on them (8 x 600 ms for public-inbox's /T/): the next run must not
// pay for them. The server's processes are found by their listening socket, and watched until
// they use (almost) no CPU.

/** Pids holding a listening TCP socket on `port` (public-inbox-httpd: master and workers). */
function listenerPids(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && c[3] === '0A' && parseInt(c[1].split(':')[1], 16) === port) inodes.add(c[9]);
    }
  }
  const pids = new Set();
  if (!inodes.size) return [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds;
    try { fds = readdirSync(`/proc/${d}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1])) { pids.add(Number(d)); break; }
      } catch { /* gone */ }
    }
  }
  return [...pids];
}

/** utime + stime of a process (with its reaped children's when asked), in clock ticks (1/100 s). */
function statTicks(pid, withChildren) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const r = f.slice(f.lastIndexOf(')') + 2).split(' ').map(Number);
    return r[11] + r[12] + (withChildren ? r[13] + r[14] : 0);
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a server: its listening processes (with the children they reaped) and their live
 * children (public-inbox's git cat-file helpers), which can come and go during a run.
 */
function serverSnapshot(pids) {
  const L = new Map();
  const C = new Map();
  for (const p of pids) {
    const t = statTicks(p, true);
    if (t !== undefined) L.set(p, t);
  }
  for (const p of pids) {
    for (const k of childrenOf(p)) {
      if (L.has(k)) continue;
      const t = statTicks(k, false);
      if (t !== undefined) C.set(k, t);
    }
  }
  return { L, C };
}

/** Ticks a server used between two snapshots. */
function serverTicksBetween(a, b) {
  let d = 0;
  for (const [p, t] of b.L) if (a.L.has(p)) d += t - a.L.get(p);
  for (const [k, t] of b.C) d += t - (a.C.get(k) ?? 0);
  // a child that exited was reaped into its parent's counters: take out what it had used before
  for (const [k, t] of a.C) if (!b.C.has(k)) d -= t;
  return Math.max(0, d);
}

/** CPU time of this script and of the children it waited for (wrk), in clock ticks. */
function selfTicks() {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
}

/** Busy and total jiffies of the whole machine. */
function machineTicks() {
  const c = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = c.reduce((a, b) => a + b, 0);
  return { busy: total - c[3] - (c[4] ?? 0), total };
}

/**
 * Wait until the server on `port` has used under 10% of a CPU for two 300 ms windows in a row
 * (at most `maxMs`). Returns how long it took and how busy the rest of the machine was meanwhile
 * (other programs competing for the CPUs make every figure worse).
 */
async function waitIdle(port, { maxMs = TIMEOUT * 1000, quietMs = 0 } = {}) {
  const pids = listenerPids(port);
  const t0 = Date.now();
  let quiet = 0;
  let background;
  while (Date.now() - t0 < maxMs) {
    const a = serverSnapshot(pids);
    const m0 = machineTicks();
    await sleep(300);
    const b = serverSnapshot(pids);
    const m1 = machineTicks();
    const own = serverTicksBetween(a, b);
    const dt = m1.total - m0.total;
    if (dt > 0) background = Math.max(0, (m1.busy - m0.busy - own) / dt) * 100;
    quiet = own < 3 ? quiet + 1 : 0;
    if ((quiet >= 2 || !pids.length) && (background === undefined || background < 20 || Date.now() - t0 > quietMs)) break;
  }
  return { ms: Date.now() - t0, backgroundCpu: background, pids: pids.length };
}

// ---------------------------------------------------------------------------------------------
// wrk

const UNIT_MS = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_B = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function luaString(s) {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\x00-\x1f\x7f-\xff]/g, (c) => '\\' + c.charCodeAt(0)) + '"';
}

/** A wrk script cycling through `paths`; each wrk thread starts at its own offset in the list. */
function writeScript(name, paths) {
  const file = join(work, `${name}.lua`);
  const lua = `-- generated by bench/web.mjs
local paths = {
${paths.map((p) => '  ' + luaString(p) + ',').join('\n')}
}
local n = #paths
local nthreads = ${THREADS}
local next_id = 0
local i = 0
${GZIP ? 'wrk.headers["Accept-Encoding"] = "gzip"\n' : ''}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  i = math.floor((id or 0) * n / nthreads)
end

function request()
  local p = paths[(i % n) + 1]
  i = i + 1
  return wrk.format(nil, p)
end
`;
  writeFileSync(file, lua);
  return file;
}

function parseWrk(out) {
  const time = (v, u) => Number(v) * UNIT_MS[u];
  const r = {};
  const lat = /^\s*Latency\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)/m.exec(out);
  if (lat) { r.avgMs = time(lat[1], lat[2]); r.maxMs = time(lat[5], lat[6]); }
  for (const m of out.matchAll(/^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)/gm)) r[`p${m[1]}Ms`] = time(m[2], m[3]);
  const req = /(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)([KMGT]?B) read/.exec(out);
  if (!req) return undefined;
  r.requests = Number(req[1]);
  r.seconds = time(req[2], req[3]) / 1000;
  r.bytes = Number(req[4]) * UNIT_B[req[5]];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  r.socketErrors = sock ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] } : { connect: 0, read: 0, write: 0, timeout: 0 };
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  r.non2xx3xx = bad ? Number(bad[1]) : 0;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  r.wrkRps = rps ? Number(rps[1]) : r.requests / r.seconds;
  r.ok = r.requests - r.non2xx3xx;
  r.rps = r.seconds > 0 ? r.ok / r.seconds : 0;
  r.errors = r.non2xx3xx + Object.values(r.socketErrors).reduce((a, b) => a + b, 0);
  r.avgKB = r.requests ? r.bytes / r.requests / 1024 : 0;
  if (!r.requests) {
    // nothing finished within the run: wrk's latency figures are zeros, not measurements
    for (const k of ['avgMs', 'maxMs', 'p50Ms', 'p75Ms', 'p90Ms', 'p99Ms']) delete r[k];
  }
  return r;
}

async function wrk(origin, script, seconds) {
  const argv = ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', `${TIMEOUT}s`, '--latency', '-s', script, origin];
  return new Promise((res, rej) => {
    const child = spawn('wrk', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    currentWrk = child;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('exit', (code) => {
      currentWrk = undefined;
      const parsed = parseWrk(out);
      if (code !== 0 || !parsed) return rej(new Error(`wrk exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`));
      res({ ...parsed, command: `wrk ${argv.join(' ')}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// lorekeeper's store: ingest, then pick the URLs

function hasStore(dir) {
  return existsSync(join(dir, STORE_FILE));
}

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
  const inbox = opt.inbox ?? inboxNameFromUrl(opt['pi-url']) ?? basename(MBOX).replace(/\.gz$/, '').replace(/\.(mbox|mboxrd|mbx)$/, '');
  log(`lorekeeper: ingesting ${MBOX} as inbox "${inbox}" into ${dataDir} ...`);
  const r = await run(process.execPath, [join(root, 'bin/lorekeeper.js'), 'ingest', '--data', dataDir, '--inbox', inbox, '--json', MBOX]);
  if (r.code !== 0) {
    log(`bench:web: lorekeeper ingest failed (exit ${r.code}):\n${r.err}`);
    await cleanup();
    process.exit(1);
  }
  ingestInfo = JSON.parse(r.out.trim().split('\n').pop());
  log(`lorekeeper: ingested ${ingestInfo.read} messages in ${ingestInfo.seconds} s (${ingestInfo.added} added)`);
}

function inboxNameFromUrl(url) {
  if (!url) return undefined;
  try {
    const seg = new URL(url).pathname.split('/').filter(Boolean);
    return seg.length ? decodeURIComponent(seg[seg.length - 1]) : undefined;
  } catch {
    return undefined;
  }
}

const db = new Database(join(dataDir, STORE_FILE), { readonly: true, fileMustExist: true });
const inboxes = db.prepare('SELECT id, name FROM inbox ORDER BY id').all();
const wanted = opt.inbox ?? (inboxes.length === 1 ? inboxes[0].name : inboxNameFromUrl(opt['pi-url']));
const inboxRow = inboxes.find((i) => i.name === wanted);
if (!inboxRow) {
  log(`bench:web: inbox ${JSON.stringify(wanted)} is not in ${dataDir} (it has: ${inboxes.map((i) => i.name).join(', ') || 'none'}); pass --inbox`);
  await cleanup();
  process.exit(2);
}
const INBOX = inboxRow.name;

// every held message with its primary Message-ID, once per Message-ID, in arrival order, then
// shuffled with a fixed seed: the first SAMPLE are the message/raw set, the next COLD the cold set
// (disjoint, so the warm classes never cached them), then the cold warm-up set and the probes
const mids = [...new Set(db.prepare('SELECT mid FROM msg WHERE inbox_id = ? AND num > 0 AND mid IS NOT NULL ORDER BY num').pluck().all(inboxRow.id))];
const rand = prng(0x10e4ee9);
for (let i = mids.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [mids[i], mids[j]] = [mids[j], mids[i]];
}
const warmSet = mids.slice(0, SAMPLE);
const coldSet = mids.slice(SAMPLE, SAMPLE + COLD);
const coldWarmupSet = mids.slice(SAMPLE + COLD, SAMPLE + COLD + 1000);
const probeSet = mids.slice(SAMPLE + COLD + 1000, SAMPLE + COLD + 1000 + 30);
const uncachedSet = mids.slice(SAMPLE + COLD + 1030, SAMPLE + COLD + 1030 + UNCACHED);
if (warmSet.length < SAMPLE || coldSet.length < COLD) log(`bench:web: only ${mids.length} messages: sets are ${warmSet.length} and ${coldSet.length}`);

// the thread closest to 84 messages among those of 60 to 120, and its first message
const bigThread = db.prepare(`SELECT tid, COUNT(*) AS n FROM msg WHERE inbox_id = ? AND num > 0 GROUP BY tid
  HAVING n BETWEEN 60 AND 120 ORDER BY ABS(n - 84), n DESC, tid LIMIT 1`).get(inboxRow.id)
  ?? db.prepare('SELECT tid, COUNT(*) AS n FROM msg WHERE inbox_id = ? AND num > 0 GROUP BY tid ORDER BY n DESC, tid LIMIT 1').get(inboxRow.id);
const threadMid = db.prepare('SELECT mid FROM msg WHERE inbox_id = ? AND num > 0 AND tid = ? AND mid IS NOT NULL ORDER BY ts, num LIMIT 1').pluck().get(inboxRow.id, bigThread.tid);
const totalMessages = db.prepare('SELECT COUNT(*) FROM msg WHERE inbox_id = ? AND num > 0').pluck().get(inboxRow.id);
// series pages: 200 series picked with the same fixed seed, and those with an earlier version
const hasSeries = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'series'").get();
const allSeries = hasSeries ? db.prepare(`SELECT m.mid, s.version, (SELECT max(o.version) FROM series o WHERE o.chain = s.chain AND o.version < s.version) AS prev
  FROM series s JOIN msg m ON m.num = s.first_num WHERE s.inbox_id = ? ORDER BY s.id`).all(inboxRow.id) : [];
for (let i = allSeries.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [allSeries[i], allSeries[j]] = [allSeries[j], allSeries[i]];
}
const seriesSet = allSeries.slice(0, 200);
const rerollSet = allSeries.filter((x) => x.prev !== null).slice(0, 200);
db.close();
log(`store: ${totalMessages} messages in inbox "${INBOX}"; thread ${bigThread.tid} has ${bigThread.n} messages, first <${threadMid}>`);

const tm = midEscape(threadMid);
const CLASSES = [
  { id: 'message', label: `message page (${warmSet.length} msgs)`, paths: warmSet.map((m) => `${midEscape(m)}/`) },
  { id: 'message-cold', label: `message page, cold (${coldSet.length})`, paths: coldSet.map((m) => `${midEscape(m)}/`),
    // warmed on other messages, so that the measured ones are not cached by the warm-up
    warmup: coldWarmupSet.length ? coldWarmupSet.map((m) => `${midEscape(m)}/`) : undefined },
  { id: 'message-uncached', label: `message page, each once (${uncachedSet.length})`, paths: uncachedSet.map((m) => `${midEscape(m)}/`),
    // wrk cannot stop after one pass: a Node client asks for each message exactly once, 8 at a time,
    // so that no answer can come from a cache (latencies are then per request, uncorrected)
    onePass: true, warmup: coldWarmupSet.length ? coldWarmupSet.map((m) => `${midEscape(m)}/`) : undefined },
  { id: 'raw', label: `raw (${warmSet.length} msgs)`, paths: warmSet.map((m) => `${midEscape(m)}/raw`) },
  { id: 'thread', label: `/T/ (${bigThread.n}-msg thread)`, paths: [`${tm}/T/`] },
  { id: 'thread-mbox', label: `t.mbox.gz (${bigThread.n} msgs)`, paths: [`${tm}/t.mbox.gz`] },
  { id: 'atom', label: 'new.atom', paths: ['new.atom'] },
  { id: 'index', label: 'index /NAME/', paths: [''] },
  { id: 'search', label: `search ?q= (${QUERIES.length} queries)`, paths: QUERIES.map(searchPath), search: true },
  { id: 'series', label: `series page (${seriesSet.length} series)`, paths: seriesSet.map((x) => `${midEscape(x.mid)}/series/`), lkOnly: true },
  { id: 'series-interdiff', label: `series ?vs= interdiff (${rerollSet.length})`, paths: rerollSet.map((x) => `${midEscape(x.mid)}/series/?vs=${x.prev}`), lkOnly: true },
  { id: 'series-json', label: `series.json (${seriesSet.length})`, paths: seriesSet.map((x) => `${midEscape(x.mid)}/series.json`), lkOnly: true },
  { id: 'series-mbox', label: `series.mbox (${seriesSet.length})`, paths: seriesSet.map((x) => `${midEscape(x.mid)}/series.mbox`), lkOnly: true },
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
async function benchServer(name, base, server = {}) {
  const u = new URL(base);
  const origin = u.origin + '/';
  const prefix = u.pathname.endsWith('/') ? u.pathname : u.pathname + '/';
  const port = Number(u.port || 80);
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
      await server.restart();
    }
    const paths = c.paths.map((p) => prefix + p);
    const idle0 = await waitIdle(port);
    const first = await get(origin.replace(/\/$/, '') + (c.warmup ? prefix + c.warmup[0] : paths[0]));
    const res = { urls: paths.length, first: { path: c.warmup ? prefix + c.warmup[0] : paths[0], status: first.status, ms: first.ms, bytes: first.body.length } };
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
      if (WARMUP > 0) {
        await wrk(origin, writeScript(`${name}-${c.id}-warmup`, (c.warmup ?? c.paths).map((p) => prefix + p)), WARMUP);
      }
      const idle = await waitIdle(port, { quietMs: QUIET_WAIT * 1000 });
      const pids = listenerPids(port);
      const before = { machine: machineTicks(), server: serverSnapshot(pids), self: selfTicks() };
      const m = c.onePass ? await onePass(origin.replace(/\/$/, ''), paths) : await wrk(origin, writeScript(`${name}-${c.id}`, paths), DURATION);
      const after = { machine: machineTicks(), server: serverSnapshot(pids), self: selfTicks() };
      const serverTicks = serverTicksBetween(before.server, after.server);
      const totalTicks = after.machine.total - before.machine.total;
      Object.assign(res, m, {
        // CPU the server spent per answer: the figure least disturbed by other programs
        serverCpuMsPerRequest: pids.length && m.requests ? (serverTicks * 10) / m.requests : undefined,
        serverCpuCores: pids.length ? serverTicks / 100 / m.seconds : undefined,
        // share of the machine other programs used during the run (not the server, wrk or this script)
        otherCpuDuring: totalTicks > 0 ? Math.min(100, Math.max(0, (after.machine.busy - before.machine.busy - serverTicks - (after.self - before.self)) / totalTicks) * 100) : undefined,
        requestsPerUrl: m.requests / paths.length,
        settleMs: Math.max(idle0.ms, idle.ms),
        otherCpuBefore: idle.backgroundCpu,
      });
      log(`[${name}] ${c.id.padEnd(12)} ${m.rps.toFixed(1).padStart(9)} req/s  p50 ${fmtMs(m.p50Ms).padStart(8)}  p99 ${fmtMs(m.p99Ms).padStart(8)}  errors ${m.errors}` +
        (m.errors ? ` (non-2xx/3xx ${m.non2xx3xx}, socket ${JSON.stringify(m.socketErrors)})` : '') + (m.avgKB !== undefined ? `  ${m.avgKB.toFixed(1)} KB/answer` : '') +
        (res.otherCpuDuring > 15 ? `  (other programs used ${Math.round(res.otherCpuDuring)}% of the machine)` : ''));
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
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (next < paths.length && performance.now() < deadline) {
      const r = await get(origin + paths[next++], TIMEOUT * 1000);
      if (r.status === 0) { failed++; continue; }
      lat.push(r.ms);
      if (!okStatus(r.status)) non2xx3xx++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((q / 100) * lat.length) - 1)] : undefined);
  const requests = lat.length;
  const ok = requests - non2xx3xx;
  return {
    requests, seconds, ok, non2xx3xx, rps: ok / seconds, wrkRps: requests / seconds,
    socketErrors: { connect: 0, read: failed, write: 0, timeout: 0 }, errors: non2xx3xx + failed,
    avgMs: requests ? lat.reduce((a, b) => a + b, 0) / requests : undefined, maxMs: lat[lat.length - 1],
    p50Ms: pct(50), p75Ms: pct(75), p90Ms: pct(90), p99Ms: pct(99),
    avgKB: undefined, notAsked: paths.length - next, command: `node fetch, each of ${paths.length} URLs once, ${CONNECTIONS} at a time`,
  };
}

/** p50 and max of single requests, with the slowest and the failed ones. */
function summarize(list) {
  const ms = list.map((p) => p.ms).sort((a, b) => a - b);
  const slowest = list.reduce((a, b) => (b.ms > a.ms ? b : a));
  return { count: list.length, p50Ms: ms[Math.floor(ms.length / 2)], maxMs: ms[ms.length - 1], slowest, failed: list.filter((p) => !okStatus(p.status)) };
}

function describe(p) {
  if (!p) return '-';
  return `p50 ${fmtMs(p.p50Ms)}, max ${fmtMs(p.maxMs)} (${p.slowest.path})` +
    (p.failed.length ? `, ${p.failed.length} failed (e.g. ${p.failed[0].status || 'no answer'} for ${p.failed[0].path})` : '');
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
        if (examples.length < 10) examples.push({ path: p, status: r.status, error: r.error, ms: Math.round(r.ms), body: r.body.subarray(0, 200).toString('utf8') });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { checked, failed, examples };
}

function fmtMs(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
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
  log(`public-inbox: building a reference inbox with ${PI_TOOL} (slow, about 4 minutes) ...`);
  const t0 = Date.now();
  const r = await run('bash', [PI_TOOL, MBOX, INBOX, String(port)], { env: { ...process.env, PI_WORK: piWork } });
  const pidFile = join(piWork, `httpd-${port}.pid`);
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  const stopPi = () => stopTree(pid);
  if (pid) cleanups.push(stopPi);
  const base = `http://127.0.0.1:${port}/${INBOX}/`;
  let up = false;
  for (let i = 0; r.code === 0 && i < 100 && !up; i++) {
    up = okStatus((await get(base, 5000)).status);
    if (!up) await sleep(200);
  }
  if (up) {
    piSource = `public-inbox-httpd built by pi-reference in ${Math.round((Date.now() - t0) / 1000)} s, at ${base}`;
    log(`public-inbox: ${piSource}`);
    pi = await benchServer('public-inbox', base);
  } else {
    piSource = `unavailable: pi-reference exited ${r.code}: ${(r.err || r.out).trim().split('\n').slice(-3).join(' | ')}`;
    log(`public-inbox: ${piSource}; reporting lorekeeper alone`);
  }
  if (pid) {
    await stopPi();
    cleanups.splice(cleanups.indexOf(stopPi), 1);
  }
}

// ---------------------------------------------------------------------------------------------
// lorekeeper

const lkPort = await freePort();
const lkBase = `http://127.0.0.1:${lkPort}/${INBOX}/`;
const lkLog = join(work, 'lorekeeper-serve.log');
let lk;
let lkExit;
let lkPeakRss = 0;
let rssTimer;

async function startLorekeeper() {
  lkExit = undefined;
  const fd = openSync(lkLog, 'a');
  const child = spawn(process.execPath, [join(root, 'bin/lorekeeper.js'), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', String(lkPort)],
    { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.on('exit', (code, signal) => { lkExit = `lorekeeper exited (code ${code}, signal ${signal})`; });
  lk = child;
  for (let i = 0; i < 600; i++) {
    if (lkExit) throw new Error(`${lkExit} while starting: ${tail(lkLog)}`);
    const r = await get(lkBase, 5000);
    if (okStatus(r.status)) return;
    await sleep(100);
  }
  throw new Error(`lorekeeper did not answer on ${lkBase} within 60 s: ${tail(lkLog)}`);
}

async function stopLorekeeper() {
  clearInterval(rssTimer);
  if (lk && lk.exitCode === null && lk.signalCode === null) {
    const exited = new Promise((r) => lk.once('exit', r));
    lk.kill('SIGTERM');
    const t = setTimeout(() => lk.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

function tail(file, lines = 10) {
  try { return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

cleanups.push(stopLorekeeper);
let lkResult;
try {
  log(`lorekeeper: serving ${dataDir} at ${lkBase}`);
  await startLorekeeper();
  rssTimer = setInterval(() => { lkPeakRss = Math.max(lkPeakRss, procStatus(lk.pid, 'VmRSS') ?? 0); }, 250);
  lkResult = await benchServer('lorekeeper', lkBase, {
    check: () => lkExit,
    restart: startLorekeeper,
  });
  lkResult.peakRssMB = Math.max(lkPeakRss, procStatus(lk.pid, 'VmHWM') ?? 0);
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
  return { id: c.id, label: c.label, urls: c.paths.length, lkOnly: !!c.lkOnly, reference: REFERENCE[c.id], pi: p, lorekeeper: l, piRps: pRps, lkRps: lRps, ratio, vsReference: vsRef };
});

const rate = (v, r) => (r?.na ? 'n/a' : r?.failed ? 'failed' : v === undefined ? '-' : r && !r.requests ? `0 (none in ${DURATION} s)`
  : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
const times = (v) => (v === undefined ? '-' : `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}x`);
const errs = (r) => (!r ? '-' : r.na ? 'n/a' : r.failed ? 'failed' : String(r.errors));
const table = [
  ['class', 'public-inbox req/s', 'lorekeeper req/s', 'ratio', 'lorekeeper p50', 'lorekeeper p99', 'errors pi/lk', 'ref PI req/s', 'lk vs ref'],
  ...rows.map((r) => [
    r.label, pi ? rate(r.piRps, r.pi) : 'n/a', rate(r.lkRps, r.lorekeeper), times(r.ratio),
    r.lkRps !== undefined ? fmtMs(r.lorekeeper.p50Ms) : '-', r.lkRps !== undefined ? fmtMs(r.lorekeeper.p99Ms) : '-',
    `${pi ? errs(r.pi) : 'n/a'}/${errs(r.lorekeeper)}`, r.reference?.toLocaleString('en-US') ?? '-', times(r.vsReference),
  ]),
];
const pct = (v) => (v === undefined ? '-' : `${Math.round(v)}%`);
const cpuMs = (r) => (r?.serverCpuMsPerRequest === undefined ? '-' : r.serverCpuMsPerRequest < 1 ? r.serverCpuMsPerRequest.toFixed(3) : r.serverCpuMsPerRequest.toFixed(1));
const detail = [
  ['class', 'pi p50', 'pi p99', 'pi max', 'lk max', 'pi KB/answer', 'lk KB/answer', 'pi 1st req', 'lk 1st req', 'lk req/URL', 'CPU ms/req pi/lk', 'other CPU pi/lk'],
  ...rows.map((r) => [
    r.label, r.piRps !== undefined ? fmtMs(r.pi.p50Ms) : '-', r.piRps !== undefined ? fmtMs(r.pi.p99Ms) : '-',
    r.piRps !== undefined ? fmtMs(r.pi.maxMs) : '-', r.lkRps !== undefined ? fmtMs(r.lorekeeper.maxMs) : '-',
    r.piRps !== undefined ? r.pi.avgKB?.toFixed(1) ?? '-' : '-', r.lkRps !== undefined ? r.lorekeeper.avgKB?.toFixed(1) ?? '-' : '-',
    r.pi?.first ? `${r.pi.first.status} ${fmtMs(r.pi.first.ms)}` : '-', r.lorekeeper?.first ? `${r.lorekeeper.first.status} ${fmtMs(r.lorekeeper.first.ms)}` : '-',
    r.lkRps !== undefined ? r.lorekeeper.requestsPerUrl.toFixed(1) : '-',
    `${r.piRps !== undefined ? cpuMs(r.pi) : '-'}/${r.lkRps !== undefined ? cpuMs(r.lorekeeper) : '-'}`,
    `${pct(r.pi?.otherCpuDuring)}/${pct(r.lorekeeper?.otherCpuDuring)}`,
  ]),
];

function printTable(t) {
  const w = t[0].map((_, i) => Math.max(...t.map((row) => String(row[i]).length)));
  const line = (row) => row.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ');
  console.log(line(t[0]));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const row of t.slice(1)) console.log(line(row));
}

console.log('');
console.log(`lorekeeper vs public-inbox-httpd, inbox "${INBOX}" (${totalMessages} messages), wrk -t${THREADS} -c${CONNECTIONS}, ` +
  `${DURATION} s per class and server after ${WARMUP} s warm-up, ${GZIP ? 'Accept-Encoding: gzip' : 'no gzip'}, ${cpus().length} CPUs`);
console.log(`public-inbox: ${piSource}`);
console.log(`req/s counts 2xx/3xx answers only; ratio = lorekeeper / public-inbox measured now; ref = the issue's public-inbox figures (32k-message list)`);
console.log('');
printTable(table);
console.log('');
printTable(detail);
console.log('p50/p99 are wrk\'s, which corrects for coordinated omission: one stall of N ms at thousands of req/s puts p99 near N ms; max is the slowest');
console.log('answer seen. 1st req: one uncached request before the warm-up. CPU ms/req: server CPU time per answer during the run. other CPU: share of the');
console.log('machine used by other programs (not the server, wrk or this script) during the run.');
if (rows.some((r) => classes.find((c) => c.id === r.id)?.onePass)) console.log('"each once": per request latencies from a Node client that asks for every message once (wrk cannot stop after one pass).');
const busy = rows.flatMap((r) => [r.pi, r.lorekeeper]).filter((r) => (r?.otherCpuDuring ?? 0) > 15);
if (busy.length) console.log(`WARNING: other programs used up to ${Math.round(Math.max(...busy.map((r) => r.otherCpuDuring)))}% of the machine during some runs: those figures are lower and noisier than on a quiet machine`);
console.log('');
if (pi?.probe || lkResult.probe) {
  console.log(`uncached message pages, ${probeSet.length} one at a time: public-inbox ${describe(pi?.probe)}; lorekeeper ${describe(lkResult.probe)}`);
}
if (pi?.classes.search?.uncached || lkResult.classes.search?.uncached) {
  console.log(`uncached searches, ${QUERIES.length} one at a time: public-inbox ${describe(pi?.classes.search?.uncached)}; lorekeeper ${describe(lkResult.classes.search?.uncached)}`);
}

// targets: 10x public-inbox on every class, message page p99 <= 50 ms
const compared = rows.filter((r) => !r.lkOnly);
const measured = compared.filter((r) => r.lkRps !== undefined);
const basis = (r) => (r.ratio !== undefined ? r.ratio : r.vsReference);
const missed = compared.filter((r) => r.lkRps === undefined || basis(r) < 10 || (r.lorekeeper?.errors ?? 0) > 0);
const msg = lkResult.classes.message;
console.log(`target >= 10x public-inbox${pi ? '' : ' (reference figures)'} without errors: ${measured.length - missed.filter((r) => r.lkRps !== undefined).length}/${compared.length} classes` +
  (missed.length ? `; missed: ${missed.map((r) => `${r.id} (${r.lkRps === undefined ? (r.lorekeeper?.na ?? r.lorekeeper?.failed ?? 'not measured') : `${times(basis(r))}${r.lorekeeper.errors ? `, ${r.lorekeeper.errors} errors` : ''}`})`).join(', ')}` : ''));
if (msg && !msg.na && !msg.failed) console.log(`target message page p99 <= 50 ms: ${msg.p99Ms <= 50 ? 'met' : 'missed'} (${fmtMs(msg.p99Ms)})`);
for (const r of rows.filter((x) => x.lkOnly && x.lkRps !== undefined)) {
  console.log(`target ${r.id} p99 <= ${LK_ONLY_P99_MS} ms without errors: ${r.lorekeeper.p99Ms <= LK_ONLY_P99_MS && !r.lorekeeper.errors ? 'met' : 'missed'} (${fmtMs(r.lorekeeper.p99Ms)}, ${Math.round(r.lkRps)} req/s, ${r.lorekeeper.errors} errors)`);
}
if (lkResult.peakRssMB) console.log(`lorekeeper peak RSS: ${lkResult.peakRssMB.toFixed(0)} MiB`);
for (const [who, r] of [['public-inbox', pi], ['lorekeeper', lkResult]]) {
  for (const n of r?.notes ?? []) console.log(`NOTE ${who}: ${n}`);
  for (const [id, c] of Object.entries(r?.classes ?? {})) {
    if (c.na) console.log(`NOTE ${who} ${id}: n/a, ${c.na}`);
    if (c.failed) console.log(`NOTE ${who} ${id}: ${c.failed}`);
    if (c.failing?.failed) {
      console.log(`NOTE ${who} ${id}: ${c.failing.failed} of ${c.failing.checked} URLs checked afterwards fail, e.g.:`);
      for (const e of c.failing.examples.slice(0, 5)) console.log(`  ${e.status || e.error} in ${e.ms} ms  ${e.path}`);
    } else if (c.errors && c.failing) {
      console.log(`NOTE ${who} ${id}: ${c.errors} errors during the run, but all ${c.failing.checked} URLs answer when asked one by one afterwards`);
    }
  }
}
if (lkResult.notes.length && lkLogTail) console.log(`lorekeeper serve log (last lines):\n${lkLogTail}`);

if (opt.json) {
  const report = {
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    params: { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, threads: THREADS, timeout: TIMEOUT, gzip: GZIP, sample: SAMPLE, cold: COLD },
    inbox: INBOX, messages: totalMessages, mbox: MBOX, dataDir: opt.data ? dataDir : undefined, ingest: ingestInfo,
    thread: { tid: bigThread.tid, messages: bigThread.n, mid: threadMid },
    queries: QUERIES,
    publicInbox: { source: piSource, base: pi?.base, probe: pi?.probe, notes: pi?.notes },
    lorekeeper: { base: lkBase, probe: lkResult.probe, peakRssMB: lkResult.peakRssMB, notes: lkResult.notes },
    reference: REFERENCE,
    classes: rows.map((r) => ({
      id: r.id, label: r.label, urls: r.urls, referenceRps: r.reference, ratio: r.ratio, vsReference: r.vsReference,
      publicInbox: r.pi, lorekeeper: r.lorekeeper,
    })),
  };
  writeFileSync(resolve(opt.json), JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${resolve(opt.json)}`);
}

await cleanup();
