// Pieces the benchmarks share (bench/web.mjs, bench/soak.mjs, bench/ingest.mjs, bench/mirror.mjs): options, cleanup,
// HTTP requests, processes and their CPU and memory from /proc, wrk with a Lua script cycling
// through URL lists, and starting `lorekeeper ingest` and `lorekeeper serve`. Needs dist/ (npm run
// build).
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';

export { midEscape } from '../dist/mail/message-id.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LOREKEEPER = join(root, 'bin/lorekeeper.js');
export const STORE_FILE = 'lorekeeper.sqlite3';
/** The real list the benchmarks run on by default. */
export const CORPUS = join(root, '..', 'shared', 'corpus', 'virtualization.mbox.gz');

export const log = (...a) => console.error(...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// options and cleanup

/** The comment block at the top of a script (after the #! line), for --help. */
export function usage(scriptUrl) {
  const lines = readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(1);
  return lines
    .slice(
      0,
      lines.findIndex((l) => !l.startsWith('//')),
    )
    .map((l) => l.slice(3))
    .join('\n');
}

/** A positive number option (exit 2 otherwise); `fallback` when not given. */
export function positiveOption(prog) {
  return (v, name, fallback) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`${prog}: ${name} must be a positive number, not ${JSON.stringify(v)}`);
      process.exit(2);
    }
    return n;
  };
}

/**
 * The command line of a web benchmark: --mbox, --data, --inbox, --duration, --connections,
 * --threads, --timeout, --json and --help (the script's top comment), plus the script's own
 * options (`extra.strings` and `extra.flags`, by name). Numbers are checked; `defaults` gives
 * duration, connections, threads and timeout. Returns the parsed values (`opt`), the checked
 * numbers, the mbox path and `num`, which checks more.
 */
export function benchOptions(prog, scriptUrl, extra, defaults) {
  const strings = [
    'mbox',
    'data',
    'inbox',
    'duration',
    'connections',
    'threads',
    'timeout',
    'json',
    ...(extra.strings ?? []),
  ];
  const options = { help: { type: 'boolean', short: 'h' } };
  for (const name of strings) options[name] = { type: 'string' };
  for (const name of extra.flags ?? []) options[name] = { type: 'boolean' };
  let opt;
  try {
    opt = parseArgs({ args: process.argv.slice(2), allowPositionals: false, options }).values;
  } catch (err) {
    console.error(`${prog}: ${err.message} (--help says how)`);
    process.exit(2);
  }
  if (opt.help) {
    console.log(usage(scriptUrl));
    process.exit(0);
  }
  const num = positiveOption(prog);
  const duration = num(opt.duration, '--duration', defaults.duration);
  const connections = Math.round(num(opt.connections, '--connections', defaults.connections));
  return {
    opt,
    num,
    duration,
    connections,
    threads: Math.min(connections, Math.round(num(opt.threads, '--threads', defaults.threads))),
    timeout: num(opt.timeout, '--timeout', defaults.timeout),
    mbox: resolve(opt.mbox ?? CORPUS),
  };
}

/**
 * Cleanup of what a script started: `cleanups` run last first, then the work directory goes
 * (unless `keep`). SIGINT and SIGTERM run it and exit 130.
 */
export function cleanupOnExit(prog, work, { keep = false } = {}) {
  const cleanups = [];
  let cleaning = false;
  async function cleanup() {
    if (cleaning) return;
    cleaning = true;
    stopWrk();
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch (e) {
        log(`cleanup: ${e.message}`);
      }
    }
    if (keep) log(`${prog}: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      log(`\n${prog}: ${sig}, stopping`);
      void cleanup().then(() => process.exit(130));
    });
  }
  return { cleanups, cleanup };
}

// ---------------------------------------------------------------------------------------------
// URLs and requests

/** The query string a browser's search form sends. */
export const searchPath = (q) => `?${new URLSearchParams({ q })}`;

/** Realistic searches: the prefixes people type on lore (public-inbox's search syntax). */
export const QUERIES = [
  's:virtio',
  'f:mst',
  'vhost',
  '"memory barrier"',
  'd:20230101..',
  'b:vring',
  'dfn:drivers/vhost/net.c',
  's:"PATCH v2" vdpa',
  'virtio_net',
  'f:jasowang s:vdpa',
  's:vsock',
  'b:"use after free"',
  'dfhh:vhost_net',
  'iommu AND kvm',
  's:drm NOT s:virtio',
  'nq:virtqueue',
  'q:sev',
  'dfa:spin_lock',
  'rt:2023-06-01..2023-06-30',
  'balloon deflate',
  's:"virtio-mem"',
  'dfb:READ_ONCE',
];

/** The last path segment of an inbox URL (http://host/NAME/ -> NAME). */
export function inboxNameFromUrl(url) {
  if (!url) return undefined;
  try {
    const seg = new URL(url).pathname.split('/').filter(Boolean);
    return seg.length ? decodeURIComponent(seg[seg.length - 1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A seeded random source (seedrandom), so every run samples the same messages. */
export const prng = (seed) => seedrandom(String(seed));

/** Fisher-Yates shuffle in place with `rand`. */
export function shuffle(list, rand) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** One GET, redirects not followed; never throws (status 0 and `error` when there is no answer). */
export async function get(url, timeoutMs = 60_000, { gzip = true } = {}) {
  const t0 = performance.now();
  try {
    const r = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'accept-encoding': gzip ? 'gzip' : 'identity' },
    });
    const body = Buffer.from(await r.arrayBuffer());
    return { status: r.status, ms: performance.now() - t0, body, type: r.headers.get('content-type') ?? '' };
  } catch (e) {
    const error = e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message ?? String(e);
    return { status: 0, ms: performance.now() - t0, body: Buffer.alloc(0), error };
  }
}

export const okStatus = (s) => s >= 200 && s < 400;

export function fmtMs(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Rows of cells as an aligned text table, the first row the header. */
export function printTable(t) {
  const w = t[0].map((_, i) => Math.max(...t.map((row) => String(row[i]).length)));
  const line = (row) => row.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ');
  console.log(line(t[0]));
  console.log(w.map((n) => '-'.repeat(n)).join('-|-'));
  for (const row of t.slice(1)) console.log(line(row));
}

export function tail(file, lines = 10) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// processes

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's children, whichever of its threads started them (a worker thread's git, too). */
export function childrenOf(pid) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** A process and all its descendants. */
export function processTree(pid) {
  const out = [];
  const visit = (p) => {
    out.push(p);
    for (const k of childrenOf(p)) visit(k);
  };
  visit(pid);
  return out;
}

/** A `kB` line of /proc/PID/status (VmRSS, VmHWM, ...) in MiB. */
export function procStatus(pid, key) {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes a file or directory takes (its files' sizes). */
export function duBytes(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + duBytes(join(path, f)), 0);
}

/** Clock ticks per second in /proc (USER_HZ). */
const TICKS = 100;

/** CPU of the children this script has waited for, in clock ticks (cutime, cstime). */
function childTicks() {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const r = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { user: Number(r[13]), sys: Number(r[14]) };
}

/** utime and stime of every live thread of a process, in clock ticks, by thread id. */
function threadTicks(pid) {
  const out = new Map();
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const r = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(r[11]) + Number(r[12]));
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/** The 1-minute load average: how busy the rest of the machine was. */
export const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/**
 * Run a command to its end, sampling memory from /proc every 50 ms: `peakRss`, the highest peak of
 * the command or one of its children (VmHWM), and `peakTreeRss`, the most the whole process tree
 * (git helpers, workers' processes) held at once (summed VmRSS). Bytes; rejects on a failed exit.
 * CPU: `user` and `sys` seconds of the command and every descendant it waited for (what
 * /usr/bin/time prints; counted exactly when it is reaped, so measured commands must not overlap),
 * and `threads`, the CPU seconds of each thread of the command's own process as last sampled
 * (`threads[0]` is its main thread; threads ending between samples lose up to 50 ms). `load`: the
 * load average at the start and at the end.
 */
export function measured(cmd, argv, env = process.env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const before = childTicks();
    const loadBefore = loadAverage();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let peak = 0;
    let peakTree = 0;
    const ticks = new Map();
    const sample = () => {
      for (const pid of [child.pid, ...childrenOf(child.pid)]) {
        const hwm = procStatus(pid, 'VmHWM'); // undefined once it exited
        if (hwm !== undefined) peak = Math.max(peak, hwm * 2 ** 20);
      }
      const tree = processTree(child.pid).reduce((n, pid) => n + (procStatus(pid, 'VmRSS') ?? 0), 0);
      peakTree = Math.max(peakTree, tree * 2 ** 20);
      for (const [tid, t] of threadTicks(child.pid)) ticks.set(tid, t);
    };
    const timer = setInterval(sample, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}`));
      const after = childTicks();
      const main = ticks.get(child.pid) ?? 0;
      ticks.delete(child.pid);
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        peakRss: peak,
        peakTreeRss: peakTree,
        user: (after.user - before.user) / TICKS,
        sys: (after.sys - before.sys) / TICKS,
        threads: [main, ...[...ticks.values()].sort((a, b) => b - a)].map((t) => t / TICKS),
        load: [loadBefore, loadAverage()],
        stdout: out,
      });
    });
  });
}

/** Stop a process tree this script started: TERM, then KILL after 10 s. */
export async function stopTree(pid) {
  const kids = childrenOf(pid);
  for (const p of [pid, ...kids]) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  for (let i = 0; i < 100 && [pid, ...kids].some(alive); i++) await sleep(100);
  for (const p of [pid, ...kids]) {
    if (alive(p))
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
  }
}

/** Run a command to its end; resolves with its exit and output (stdin from `input` when given). */
export function run(cmd, argv, { env, stdout = 'pipe', input } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, {
      stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'],
      env: env ?? process.env,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (code, signal) => res({ code, signal, out, err }));
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Pids holding a listening TCP socket on `port` (public-inbox-httpd: master and workers). */
export function listenerPids(port) {
  const inodes = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
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
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${d}/fd/${fd}`));
        if (m && inodes.has(m[1])) {
          pids.add(Number(d));
          break;
        }
      } catch {
        /* gone */
      }
    }
  }
  return [...pids];
}

/** utime + stime of a process (with its reaped children's when asked), in clock ticks (1/100 s). */
export function statTicks(pid, withChildren) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const r = f
      .slice(f.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return r[11] + r[12] + (withChildren ? r[13] + r[14] : 0);
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a server: its listening processes (with the children they reaped) and their live
 * children (public-inbox's git cat-file helpers), which can come and go during a run.
 */
export function serverSnapshot(pids) {
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
export function serverTicksBetween(a, b) {
  let d = 0;
  for (const [p, t] of b.L) if (a.L.has(p)) d += t - a.L.get(p);
  for (const [k, t] of b.C) d += t - (a.C.get(k) ?? 0);
  // a child that exited was reaped into its parent's counters: take out what it had used before
  for (const [k, t] of a.C) if (!b.C.has(k)) d -= t;
  return Math.max(0, d);
}

/** CPU time of this script and of the children it waited for (wrk), in clock ticks. */
export function selfTicks() {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
}

/** Busy and total jiffies of the whole machine. */
export function machineTicks() {
  const c = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = c.reduce((a, b) => a + b, 0);
  return { busy: total - c[3] - (c[4] ?? 0), total };
}

/**
 * Wait until the server on `port` has used under 10% of a CPU for two 300 ms windows in a row
 * (at most `maxMs`). Returns how long it took and how busy the rest of the machine was meanwhile
 * (other programs competing for the CPUs make every figure worse).
 */
export async function waitIdle(port, { maxMs = 30_000, quietMs = 0 } = {}) {
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
    if ((quiet >= 2 || !pids.length) && (background === undefined || background < 20 || Date.now() - t0 > quietMs))
      break;
  }
  return { ms: Date.now() - t0, backgroundCpu: background, pids: pids.length };
}

// ---------------------------------------------------------------------------------------------
// wrk

const UNIT_MS = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const UNIT_B = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

export function luaString(s) {
  return (
    '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\x00-\x1f\x7f-\xff]/g, (c) => '\\' + c.charCodeAt(0)) + '"'
  );
}

/**
 * A wrk script cycling through `paths`; each wrk thread starts at its own offset in the list.
 * `lua` is appended (e.g. response() and done() functions; `threads` holds the wrk threads).
 */
export function writeWrkScript(file, paths, { threads, gzip, lua = '', by = 'bench/lib.mjs' }) {
  writeFileSync(
    file,
    `-- generated by ${by}
local paths = {
${paths.map((p) => '  ' + luaString(p) + ',').join('\n')}
}
local n = #paths
local nthreads = ${threads}
local next_id = 0
local threads = {}
local i = 0
${gzip ? 'wrk.headers["Accept-Encoding"] = "gzip"\n' : ''}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  i = math.floor((id or 0) * n / nthreads)
end

function request()
  local p = paths[(i % n) + 1]
  i = i + 1
  return wrk.format(nil, p)
end
${lua}`,
  );
  return file;
}

export function parseWrk(out) {
  const time = (v, u) => Number(v) * UNIT_MS[u];
  const r = {};
  const lat = /^\s*Latency\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)\s+([\d.]+)(us|ms|s|m|h)/m.exec(out);
  if (lat) {
    r.avgMs = time(lat[1], lat[2]);
    r.maxMs = time(lat[5], lat[6]);
  }
  for (const m of out.matchAll(/^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)/gm)) r[`p${m[1]}Ms`] = time(m[2], m[3]);
  const req = /(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)([KMGT]?B) read/.exec(out);
  if (!req) return undefined;
  r.requests = Number(req[1]);
  r.seconds = time(req[2], req[3]) / 1000;
  r.bytes = Number(req[4]) * UNIT_B[req[5]];
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  r.socketErrors = sock
    ? { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] }
    : { connect: 0, read: 0, write: 0, timeout: 0 };
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

let currentWrk;

/** Stop the wrk this module is running, if any. */
export function stopWrk() {
  if (currentWrk && currentWrk.exitCode === null) currentWrk.kill('SIGTERM');
}

/** One wrk run; resolves with parseWrk's figures, the command and wrk's whole output. */
export function wrk(origin, script, seconds, { threads, connections, timeout }) {
  const argv = [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    `${timeout}s`,
    '--latency',
    '-s',
    script,
    origin,
  ];
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
      if (code !== 0 || !parsed)
        return rej(new Error(`wrk exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`));
      res({ ...parsed, command: `wrk ${argv.join(' ')}`, output: out });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// lorekeeper

export function hasStore(dir) {
  return existsSync(join(dir, STORE_FILE));
}

/** `lorekeeper ingest --json` of `sources` into `dataDir`: its summary line, or an Error saying why not. */
export async function ingest(dataDir, inbox, sources, { args = [], input } = {}) {
  const r = await run(
    process.execPath,
    [LOREKEEPER, 'ingest', '--data', dataDir, '--inbox', inbox, '--json', ...args, ...sources],
    { input },
  );
  if (r.code !== 0) throw new Error(`lorekeeper ingest failed (exit ${r.code}):\n${r.err}`);
  return JSON.parse(r.out.trim().split('\n').pop());
}

/**
 * `lorekeeper serve` of `dataDir` on 127.0.0.1:`port`, its output appended to `logFile`.
 * `ready()` waits (up to 60 s) until `probeUrl` answers 2xx/3xx; `exited()` says how it ended,
 * if it did; `stop()` ends it (TERM, KILL after 10 s).
 */
export function startServe(dataDir, port, { logFile, probeUrl, debugCache = false }) {
  let exit;
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [LOREKEEPER, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    // debugCache: every answer says whether the response cache held it (X-Cache)
    { stdio: ['ignore', fd, fd], env: { ...process.env, ...(debugCache ? { LOREKEEPER_DEBUG_CACHE: '1' } : {}) } },
  );
  closeSync(fd);
  child.on('exit', (code, signal) => {
    exit = `lorekeeper exited (code ${code}, signal ${signal})`;
  });
  return {
    child,
    exited: () => exit,
    async ready() {
      for (let i = 0; i < 600; i++) {
        if (exit) throw new Error(`${exit} while starting: ${tail(logFile)}`);
        const r = await get(probeUrl, 5000);
        if (okStatus(r.status)) return;
        await sleep(100);
      }
      throw new Error(`lorekeeper did not answer on ${probeUrl} within 60 s: ${tail(logFile)}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
