// Pieces every benchmark shares: options, cleanup, the one HTTP client (get) and the one wait for a
// server (waitFor), processes and their CPU and memory from /proc, wrk with a Lua script cycling
// through URL lists, starting `lorekeeper ingest`, `lorekeeper serve` and public-inbox
// (pi-reference), and the soaks' archive split, URL mix and new mail. Needs dist/ (npm run build).

// @ts-check
import { spawn } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliDecompressSync, createGunzip, gunzipSync, inflateSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import { midEscape, messageIds, references } from '../dist/mail/message-id.js';
import { MboxSplitter, toMboxrd } from '../dist/mail/mboxrd.js';
import { HeaderBlock, splitHeaderBody } from '../dist/mail/headers.js';
import { ts2str } from '../dist/html/dates.js';

export { midEscape };

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LOREKEEPER = join(root, 'bin/lorekeeper.js');
export const STORE_FILE = 'lorekeeper.sqlite3';
/** Serves an mbox with public-inbox 1.9 (see startPiReference). */
export const PI_REFERENCE = join(root, '..', 'shared', 'tools', 'pi-reference');
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

/**
 * A positive number option (exit 2 otherwise); `fallback` when not given.
 * @param {string} prog
 * @returns {<F extends number | undefined>(v: string | undefined, name: string, fallback: F) => number | F}
 */
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
 * A script's command line: the string options named and the flags named (by name), and --help
 * (the script's top comment, exit 0); anything else exits 2 saying why.
 * @param {string} prog
 * @param {string} scriptUrl
 * @param {{ strings?: string[], flags?: string[] }} names
 * @returns {Record<string, any>} parseArgs' values: a string for each option given, true for each flag
 */
export function scriptOptions(prog, scriptUrl, names) {
  /** @type {import('node:util').ParseArgsConfig['options'] & {}} */
  const options = { help: { type: 'boolean', short: 'h' } };
  for (const name of names.strings ?? []) options[name] = { type: 'string' };
  for (const name of names.flags ?? []) options[name] = { type: 'boolean' };
  /** @type {Record<string, any>} */
  let opt = {};
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
  return opt;
}

/**
 * The inbox of a store a script was asked for (`name`), or its first one; exits 2 when there is no
 * such inbox.
 * @param {string} prog
 * @param {{ inboxes(): { name: string }[], inboxId(name: string): number | undefined }} samples a StoreSamples
 * @param {string} dataDir
 * @param {string | undefined} name
 */
export function storeInbox(prog, samples, dataDir, name) {
  const inbox = name ?? samples.inboxes()[0]?.name;
  const id = inbox === undefined ? undefined : samples.inboxId(inbox);
  if (inbox === undefined || id === undefined) {
    console.error(`${prog}: no inbox ${JSON.stringify(inbox)} in ${dataDir}`);
    process.exit(2);
  }
  return { inbox, id };
}

/**
 * The command line of a web benchmark: --mbox, --data, --inbox, --duration, --connections,
 * --threads, --timeout, --json and --help (the script's top comment), plus the script's own
 * options (`extra.strings` and `extra.flags`, by name). Numbers are checked; `defaults` gives
 * duration, connections, threads and timeout. Returns the parsed values (`opt`), the checked
 * numbers, the mbox path and `num`, which checks more.
 * @param {string} prog
 * @param {string} scriptUrl
 * @param {{ strings?: string[], flags?: string[] }} extra
 * @param {{ duration: number, connections: number, threads: number, timeout: number }} defaults
 */
export function benchOptions(prog, scriptUrl, extra, defaults) {
  const strings = ['mbox', 'data', 'inbox', 'duration', 'connections', 'threads', 'timeout', 'json'];
  const opt = scriptOptions(prog, scriptUrl, { strings: [...strings, ...(extra.strings ?? [])], flags: extra.flags });
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

/** @returns {Promise<number>} a TCP port nothing listens on now */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => res(port));
    });
  });
}

// idle sockets are dropped after 3 s, before a server's keep-alive timeout (lorekeeper: 5 s) can
// close them under a request being sent; get() still retries that race once
const agent = new http.Agent({ keepAlive: true, timeout: 3000 });

/**
 * @typedef {object} Answer
 * @property {number} status the HTTP status; 0 when there was no answer (`error` says why)
 * @property {number} ms until the whole body came
 * @property {number} [headersMs] until the headers came
 * @property {Buffer} body the body, decoded from its Content-Encoding
 * @property {string} type its Content-Type
 * @property {http.IncomingHttpHeaders} headers
 * @property {string} [error]
 * @property {boolean} [retried] asked again after a reused connection was reset
 */

/**
 * @typedef {object} RequestOptions
 * @property {boolean} [gzip] send Accept-Encoding: gzip (default true; else identity)
 * @property {string} [method] default GET
 * @property {string} [body] a request body (POST)
 * @property {string} [host] a Host header other than the URL's
 */

/**
 * One HTTP request over kept-alive connections, redirects not followed; never throws (status 0
 * and `error` when there is no answer, or none within `timeoutMs`). A reset of a reused
 * connection (the server closed it as the request went out: a race, not an answer) is asked
 * again once on a fresh connection, as Node's documentation advises.
 * @param {string} url
 * @param {number} [timeoutMs]
 * @param {RequestOptions} [options]
 * @returns {Promise<Answer>}
 */
export async function get(url, timeoutMs = 60_000, options = {}) {
  const r = await request(url, timeoutMs, options, true);
  if (!r.reused || !/ECONNRESET|EPIPE|socket hang up/.test(r.error ?? '')) return r.answer;
  return { ...(await request(url, timeoutMs, options, false)).answer, retried: true };
}

/**
 * get() without the retry: the answer, and whether the request went out on a reused connection.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {RequestOptions} options
 * @param {boolean} keepAlive
 * @returns {Promise<{ answer: Answer, reused: boolean, error?: string }>}
 */
function request(url, timeoutMs, { gzip = true, method = 'GET', body, host }, keepAlive) {
  const t0 = performance.now();
  return new Promise((resolvePromise) => {
    const headers = {
      'accept-encoding': gzip ? 'gzip' : 'identity',
      'user-agent': 'lorekeeper-bench',
      ...(host ? { host } : {}),
    };
    /** @type {(error: string, status?: number, answerBody?: Buffer, res?: http.IncomingMessage) => void} */
    const fail = (error, status = 0, answerBody = Buffer.alloc(0), res = undefined) => {
      clearTimeout(timer);
      const answer = {
        status,
        ms: performance.now() - t0,
        body: answerBody,
        type: res?.headers['content-type'] ?? '',
        headers: res?.headers ?? {},
        error,
      };
      resolvePromise({ answer, reused: req.reusedSocket, error });
    };
    // maxHeaderSize: a long Subject makes a long Content-Disposition filename
    const req = http.request(
      url,
      { method, headers, agent: keepAlive ? agent : false, maxHeaderSize: 1 << 20 },
      (res) => {
        const headersMs = performance.now() - t0;
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', (err) => fail(err.message, 0, Buffer.alloc(0), res));
        res.on('end', () => {
          clearTimeout(timer);
          let data = Buffer.concat(chunks);
          const enc = (res.headers['content-encoding'] ?? '').toLowerCase();
          try {
            if (enc === 'gzip' || enc === 'x-gzip') data = gunzipSync(data);
            else if (enc === 'deflate') data = inflateSync(data);
            else if (enc === 'br') data = brotliDecompressSync(data);
          } catch (err) {
            return fail(`bad ${enc} body: ${/** @type {Error} */ (err).message}`, res.statusCode, data, res);
          }
          const answer = {
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            headersMs,
            body: data,
            type: res.headers['content-type'] ?? '',
            headers: res.headers,
          };
          resolvePromise({ answer, reused: req.reusedSocket });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('error', (err) => fail(/** @type {NodeJS.ErrnoException} */ (err).code ?? err.message));
    req.end(body);
  });
}

/**
 * Poll `url` until it answers as `accept` wants (2xx/3xx by default), at most `seconds`; throws
 * saying why not. `exited()`, when given, says a server being waited for has ended (no use waiting).
 * @param {string} url
 * @param {object} [options]
 * @param {number} [options.seconds]
 * @param {(status: number) => boolean} [options.accept]
 * @param {() => string | undefined} [options.exited]
 * @param {string} [options.logFile] the server's log, whose end an error shows
 * @returns {Promise<Answer>}
 */
export async function waitFor(url, { seconds = 60, accept = okStatus, exited, logFile } = {}) {
  const deadline = Date.now() + seconds * 1000;
  const why = () => (logFile ? `: ${tail(logFile)}` : '');
  for (;;) {
    const end = exited?.();
    if (end) throw new Error(`${end} before answering on ${url}${why()}`);
    const r = await get(url, 5000);
    if (accept(r.status)) return r;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${seconds} s${why()}`);
    await sleep(100);
  }
}

/** @param {number} s */
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
 * `cpuSeconds`: the CPU time of the tree (threads, and children reaped or alive), as last sampled.
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
    let cpuTicks = 0;
    const ticks = new Map();
    const sample = () => {
      for (const pid of [child.pid, ...childrenOf(child.pid)]) {
        const hwm = procStatus(pid, 'VmHWM'); // undefined once it exited
        if (hwm !== undefined) peak = Math.max(peak, hwm * 2 ** 20);
      }
      const pids = processTree(child.pid);
      const tree = pids.reduce((n, pid) => n + (procStatus(pid, 'VmRSS') ?? 0), 0);
      peakTree = Math.max(peakTree, tree * 2 ** 20);
      const own = statTicks(child.pid, true);
      if (own !== undefined) cpuTicks = pids.slice(1).reduce((n, pid) => n + (statTicks(pid, false) ?? 0), own);
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
        cpuSeconds: cpuTicks / 100,
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

/**
 * Run a command to its end; resolves with its exit and output (stdin from `input` when given).
 * @param {string} cmd
 * @param {string[]} argv
 * @param {object} [options]
 * @param {NodeJS.ProcessEnv} [options.env]
 * @param {'pipe' | 'inherit' | 'ignore' | number} [options.stdout]
 * @param {string | Buffer} [options.input]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, out: string, err: string }>}
 */
export function run(cmd, argv, { env, stdout = 'pipe', input } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, {
      stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'],
      env: env ?? process.env,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (code, signal) => res({ code, signal, out, err }));
    if (input !== undefined) child.stdin?.end(input);
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
  return statTicks(process.pid, true) ?? 0; // (this process: always there)
}

/**
 * CPU time of the children this script has waited for, in clock ticks: while wrk runs (it is waited
 * for last), what the ingests it ran one after the other took, with their own children (git).
 */
export function reapedTicks() {
  const { user, sys } = childTicks();
  return user + sys;
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

/**
 * @typedef {object} IngestSummary
 * @property {number} read
 * @property {number} added
 * @property {number} duplicates
 * @property {number} quarantined
 * @property {number} seconds
 */

/**
 * `lorekeeper ingest --json` of `sources` into `dataDir` (at niceness `nice`, when given): its
 * summary line, or an Error saying why not.
 * @param {string} dataDir
 * @param {string} inbox
 * @param {string[]} sources
 * @param {{ args?: string[], input?: string | Buffer, nice?: number }} [options]
 * @returns {Promise<IngestSummary>}
 */
export async function ingest(dataDir, inbox, sources, { args = [], input, nice } = {}) {
  const argv = [LOREKEEPER, 'ingest', '--data', dataDir, '--inbox', inbox, '--json', ...args, ...sources];
  const r =
    nice === undefined
      ? await run(process.execPath, argv, { input })
      : await run('nice', ['-n', String(nice), process.execPath, ...argv], { input });
  if (r.code !== 0) throw new Error(`lorekeeper ingest failed (exit ${r.code}):\n${r.err}`);
  return JSON.parse(r.out.trim().split('\n').at(-1) ?? '');
}

/**
 * The writer's ingest as deployed (deploy/systemd/lorekeeper-ingest@.service): one `lorekeeper ingest
 * --spool SPOOL --watch 1` into `dataDir` left running (at niceness `nice`, when given), its mail
 * delivered into the Maildir SPOOL as a mail server delivers it (written in tmp/, renamed into new/).
 * `run(file)` delivers the messages of the mbox `file` and resolves once the watcher has stored them
 * all: the summary of its takes that did, how many takes, and the watcher's CPU meanwhile (with the
 * git it ran). `ticks()` is its CPU so far, in clock ticks; `stop()` ends it.
 * @param {string} dataDir
 * @param {string} inbox
 * @param {string} spool
 * @param {{ args?: string[], nice?: number }} [options]
 */
export function spoolIngest(dataDir, inbox, spool, { args = [], nice } = {}) {
  for (const d of ['new', 'tmp']) mkdirSync(join(spool, d), { recursive: true });
  const argv = [LOREKEEPER, 'ingest', '--data', dataDir, '--inbox', inbox, '--json', ...args];
  argv.push('--spool', spool, '--watch', '1');
  const child =
    nice === undefined
      ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('nice', ['-n', String(nice), process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {IngestSummary[]} */
  const takes = [];
  let stderr = '';
  let buffered = '';
  /** @type {(() => void) | undefined} */
  let heard;
  child.stderr.on('data', (c) => {
    stderr += c;
    heard?.();
  });
  child.stdout.on('data', (c) => {
    const lines = (buffered + c).split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) takes.push(JSON.parse(l));
    heard?.();
  });
  child.on('exit', () => heard?.());
  let delivered = 0;
  let named = 0;
  const ticks = () => statTicks(child.pid ?? 0, true) ?? 0;
  return {
    /** @param {string} file */
    async run(file) {
      const splitter = new MboxSplitter();
      const messages = [...splitter.push(readFileSync(file)), ...splitter.end()];
      const ticksBefore = ticks();
      const from = takes.length;
      for (const m of messages) {
        // names that sort in the order of delivery, as a mail server's begin with the time
        const name = `${String(++named).padStart(9, '0')}.M${named}P${process.pid}.soak`;
        writeFileSync(join(spool, 'tmp', name), m);
        renameSync(join(spool, 'tmp', name), join(spool, 'new', name));
      }
      delivered += messages.length;
      const read = () => takes.reduce((n, t) => n + t.read, 0);
      while (read() < delivered) {
        // (a take that fails is said on stderr and tried again later: the run failed)
        if (child.exitCode !== null || child.signalCode !== null || stderr)
          throw new Error(`lorekeeper ingest --watch: ${child.exitCode ?? child.signalCode ?? 'running'}:\n${stderr}`);
        await new Promise((resolve) => (heard = () => resolve(undefined)));
      }
      const mine = takes.slice(from);
      /** @param {'read' | 'added' | 'duplicates' | 'quarantined' | 'seconds'} k */
      const sum = (k) => mine.reduce((n, t) => n + t[k], 0);
      return {
        read: sum('read'),
        added: sum('added'),
        duplicates: sum('duplicates'),
        quarantined: sum('quarantined'),
        seconds: sum('seconds'),
        takes: mine.length,
        // (0: the watcher is gone, its CPU with it)
        cpu: Math.max(0, ticks() - ticksBefore) / 100,
      };
    },
    ticks,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/**
 * `lorekeeper serve` of `dataDir` on 127.0.0.1:`port` (with `workers` worker processes when
 * given, at niceness `nice`, `env` added to its environment), its output appended to `logFile`.
 * `ready()` waits (up to 60 s) until `probeUrl` answers 2xx/3xx; `exited()` says how it ended,
 * if it did; `stop()` ends it (TERM, KILL after 10 s).
 * @param {string} dataDir
 * @param {number} port
 * @param {object} options
 * @param {string} options.logFile
 * @param {string} options.probeUrl
 * @param {boolean} [options.debugCache]
 * @param {number} [options.workers]
 * @param {number} [options.nice]
 * @param {NodeJS.ProcessEnv} [options.env]
 */
export function startServe(dataDir, port, { logFile, probeUrl, debugCache = false, workers, nice = 0, env = {} }) {
  /** @type {string | undefined} */
  let exit;
  const fd = openSync(logFile, 'a');
  const child = spawn(
    'nice',
    [
      '-n',
      String(nice),
      process.execPath,
      LOREKEEPER,
      'serve',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...(workers === undefined ? [] : ['--workers', String(workers)]),
    ],
    // debugCache: every answer says whether the response cache held it (X-Cache)
    {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env, ...(debugCache ? { LOREKEEPER_DEBUG_CACHE: '1' } : {}) },
    },
  );
  closeSync(fd);
  child.on('exit', (code, signal) => {
    exit = `lorekeeper exited (code ${code}, signal ${signal})`;
  });
  return {
    child,
    exited: () => exit,
    async ready() {
      await waitFor(probeUrl, { seconds: 60, exited: () => exit, logFile });
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

/**
 * `mbox` served by public-inbox 1.9 as inbox `name` on 127.0.0.1:`port`, built by pi-reference in
 * `work` (its PI_WORK; minutes for a big mbox): the inbox's URL once its server answers, and
 * `stop()`, which ends that server. Throws saying why when pi-reference fails or its server does
 * not answer within `seconds` (having stopped it).
 * @param {string} mbox
 * @param {string} name
 * @param {number} port
 * @param {string} work
 * @param {{ seconds?: number }} [options]
 * @returns {Promise<{ url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startPiReference(mbox, name, port, work, { seconds = 30 } = {}) {
  // its standard output only says how it goes: to our standard error, so that ours stays the report
  const r = await run('bash', [PI_REFERENCE, mbox, name, String(port)], {
    env: { ...process.env, PI_WORK: work },
    stdout: 2,
  });
  const pidFile = join(work, `httpd-${port}.pid`);
  const stop = async () => {
    if (existsSync(pidFile)) await stopTree(Number(readFileSync(pidFile, 'utf8').trim()));
  };
  const url = `http://127.0.0.1:${port}/${name}/`;
  try {
    if (r.code !== 0)
      throw new Error(`pi-reference exited ${r.code ?? r.signal}: ${r.err.trim().split('\n').slice(-3).join(' | ')}`);
    await waitFor(url, { seconds, accept: (status) => status > 0 && status < 500 });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid: Number(readFileSync(pidFile, 'utf8').trim()), stop };
}

// ---------------------------------------------------------------------------------------------
// soaks (bench/soak.mjs, bench/soak-cluster.mjs): an archive split into a base part and new mail,
// the mix of URLs, the new mail arriving while wrk runs, and wrk's answers counted by status

/**
 * Streams `mbox` through MboxSplitter into WORK/base.mbox (mboxrd), remembering where each message
 * starts; then the last `count` messages are copied to WORK/new.mbox (with their offsets there and
 * their Message-IDs and references) and cut off base.mbox, which is left holding the base part.
 */
export async function splitArchive(mbox, count, work) {
  const baseFile = join(work, 'base.mbox');
  const out = createWriteStream(baseFile);
  const starts = [];
  let pos = 0;
  const write = async (msgs) => {
    for (const m of msgs) {
      const b = toMboxrd(m);
      starts.push(pos);
      pos += b.length;
      if (!out.write(b)) await once(out, 'drain');
    }
  };
  const splitter = new MboxSplitter('mboxrd');
  const input = createReadStream(mbox);
  for await (const chunk of mbox.endsWith('.gz') ? input.pipe(createGunzip()) : input)
    await write(splitter.push(chunk));
  await write(splitter.end());
  out.end();
  await once(out, 'finish');
  if (starts.length <= count) throw new Error(`${mbox} has ${starts.length} messages, not more than --new ${count}`);

  const cut = starts[starts.length - count];
  const newFile = join(work, 'new.mbox');
  const fresh = [];
  const offsets = [];
  let at = 0;
  const fd = openSync(newFile, 'w');
  const take = (msgs) => {
    for (const m of msgs) {
      const h = HeaderBlock.parse(splitHeaderBody(m).header);
      fresh.push({ mids: messageIds(h), refs: references(h) });
      const b = toMboxrd(m);
      offsets.push(at);
      at += b.length;
      writeSync(fd, b);
    }
  };
  const tailSplitter = new MboxSplitter('mboxrd');
  for await (const chunk of createReadStream(baseFile, { start: cut })) take(tailSplitter.push(chunk));
  take(tailSplitter.end());
  offsets.push(at);
  closeSync(fd);
  truncateSync(baseFile, cut);
  return { total: starts.length, base: starts.length - count, baseFile, baseBytes: cut, newFile, offsets, fresh };
}

/**
 * A soak's start: the new-mail options of its command line (--new, --batch, --jobs, --inbox), its
 * work directory (WORK, named lk-`name`-...) with cleanupOnExit's cleanup, `fail` (says why, cleans
 * up, exits with `code`), and the archive (`cli.mbox`) split into the base part and the new mail.
 */
export async function soakStart(prog, name, cli) {
  const { opt, num } = cli;
  const settings = {
    new: Math.round(num(opt.new, '--new', 2000)),
    batch: Math.round(num(opt.batch, '--batch', 50)),
    jobs: Math.round(num(opt.jobs, '--jobs', 1)),
    inbox: opt.inbox ?? 'virtualization',
  };
  const work = mkdtempSync(join(tmpdir(), `lk-${name}-`));
  const { cleanups, cleanup } = cleanupOnExit(prog, work, { keep: opt.keep });
  /** @type {(message: string, code?: number) => Promise<never>} */
  const fail = async (message, code = 1) => {
    log(`${prog}: ${message}`);
    await cleanup();
    process.exit(code);
  };
  log(`${prog}: splitting ${cli.mbox}: the last ${settings.new} messages are the new mail ...`);
  const split = await splitArchive(cli.mbox, settings.new, work).catch((e) => fail(e.message, 2));
  return { ...settings, work, cleanups, cleanup, fail, split, started: new Date() };
}

/** wrk as the soaks run it (`cli`: benchOptions' figures): its result, or `{ failed }` saying why not. */
export async function runWrk(origin, script, cli) {
  try {
    return await wrk(origin, script, cli.duration, cli);
  } catch (err) {
    return { failed: err.message };
  }
}

/**
 * A soak's end: its targets ([name, met, detail]) printed, its `report` with them written to
 * --json when asked, the cleanup, and the exit: 0 when every target was met, 1 otherwise.
 */
export async function finishSoak(targets, report, json, cleanup) {
  console.log('');
  for (const [name, ok, detail] of targets)
    console.log(`target ${name}: ${ok ? 'met' : 'MISSED'}${detail ? ` (${detail})` : ''}`);
  if (json) {
    const all = { ...report, targets: targets.map(([name, ok, detail]) => ({ name, ok, detail })) };
    writeFileSync(resolve(json), JSON.stringify(all, null, 2) + '\n');
    log(`wrote ${resolve(json)}`);
  }
  await cleanup();
  process.exit(targets.every(([, ok]) => ok) ? 0 : 1);
}

/**
 * The kinds of URL of a soak's mix over the inbox `inboxId` of the store `samples` (a StoreSamples),
 * each a list of paths under the inbox (relative load: the mix is cycled through): message pages,
 * raw, /T/, /t/, t.mbox.gz of threads of 2 to `maxThread` messages, new.atom, the index and ?t=
 * pages, series pages and series.json, sampled with `rand`. `extra` adds the pages of threads that
 * change during the run: messages (`mids`), threads (`threadMids`) and `series`. `search` is
 * empty: `urlMix` fills it with the searches that have results.
 * @param {import('../dist/store/samples.js').StoreSamples} samples
 * @param {number} inboxId
 * @param {() => number} rand
 * @param {number} maxThread
 * @param {{ mids?: string[], threadMids?: string[], series?: string[] }} [extra]
 * @returns {Record<string, string[]>}
 */
export function urlKinds(samples, inboxId, rand, maxThread, extra = {}) {
  /** @type {<T>(list: T[], n: number) => T[]} */
  const sample = (list, n) => shuffle(list, rand).slice(0, n);
  const mids = sample([...new Set(samples.messageMids(inboxId))], 600);
  const threadMids = sample(samples.threadFirsts(inboxId, 2, maxThread), 150);
  const times = sample(samples.times(inboxId), 30);
  const series = sample(
    samples.series(inboxId).map((s) => s.mid),
    100,
  );
  const e = midEscape;
  const extMids = extra.mids ?? [];
  const extThreadMids = extra.threadMids ?? [];
  return {
    message: [...mids.slice(0, 400), ...extMids].map((m) => `${e(m)}/`),
    raw: mids.slice(400, 600).map((m) => `${e(m)}/raw`),
    'thread /T/': [...threadMids.slice(0, 60), ...extThreadMids].map((m) => `${e(m)}/T/`),
    'thread /t/': [...threadMids.slice(60, 100), ...extThreadMids.slice(0, 60)].map((m) => `${e(m)}/t/`),
    't.mbox.gz': [...threadMids.slice(100, 150), ...extThreadMids.slice(0, 50)].map((m) => `${e(m)}/t.mbox.gz`),
    'new.atom': ['new.atom', 'new.atom', 'new.atom', 'new.atom', 'new.atom'],
    index: ['', '', '', '', '', ...times.map((t) => `?t=${ts2str(t)}`)],
    search: [],
    series: [...series.slice(0, 60), ...(extra.series ?? [])].map((m) => `${e(m)}/series/`),
    'series.json': series.slice(60, 100).map((m) => `${e(m)}/series.json`),
  };
}

/**
 * The mix: `kinds.search` filled with the QUERIES that have results at `base` (the inbox's URL on
 * a running server), then every path of every kind under /`inbox`/, shuffled with `rand`.
 */
export async function urlMix(kinds, base, inbox, rand) {
  for (const query of QUERIES) {
    const r = await get(base + searchPath(query), 60_000);
    if (r.status === 200) kinds.search.push(searchPath(query));
  }
  const mix = [];
  for (const [kind, paths] of Object.entries(kinds)) for (const p of paths) mix.push({ kind, path: `/${inbox}/${p}` });
  return shuffle(mix, rand);
}

/** The URLs of the mix that do not answer 2xx/3xx at `origin` now (8 at a time), as `STATUS URL` lines. */
export async function notAnswering(origin, mix) {
  const bad = [];
  for (let i = 0; i < mix.length; i += 8) {
    await Promise.all(
      mix.slice(i, i + 8).map(async (u) => {
        const r = await get(origin + u.path, 120_000);
        if (!okStatus(r.status)) bad.push(`${r.status || r.error} ${u.path}`);
      }),
    );
  }
  return bad;
}

/** Fraction of a soak over which the new mail is spread (the last ingest must end before the load). */
const FEED_SPAN = 0.9;

/**
 * The new mail (`split.newFile`) arriving at an even pace over 90% of `durationMs` from `start` (a Date.now()):
 * whenever `batch` messages are due, one `ingestRun(file)` of all that are due (more when ingest
 * falls behind), back to back, until all are fed or `stopped()`. Each run is reported to `onRun`
 * as it ends: batch (1, 2, ...), messages, first (index in `split.fresh`), start and end (seconds
 * from `start`), and the run's summary or its error. Resolves with the runs.
 */
export async function feedMail({ split, work, start, durationMs, batch, stopped, ingestRun, onRun = (_entry) => {} }) {
  const spanMs = durationMs * FEED_SPAN;
  const total = split.fresh.length;
  const fd = openSync(split.newFile, 'r');
  const file = join(work, 'batch.mbox');
  const runs = [];
  let fed = 0;
  while (fed < total && !stopped()) {
    const elapsed = Date.now() - start;
    const n = (elapsed >= spanMs ? total : Math.floor((total * elapsed) / spanMs)) - fed;
    if (n < Math.min(batch, total - fed)) {
      await sleep(50);
      continue;
    }
    const bytes = Buffer.alloc(split.offsets[fed + n] - split.offsets[fed]);
    readSync(fd, bytes, 0, bytes.length, split.offsets[fed]);
    writeFileSync(file, bytes);
    const entry = { batch: runs.length + 1, messages: n, first: fed, start: elapsed / 1000 };
    try {
      Object.assign(entry, await ingestRun(file));
    } catch (err) {
      entry.error = err.message;
      log(`batch ${entry.batch}: ${err.message}`);
    }
    entry.end = (Date.now() - start) / 1000;
    runs.push(entry);
    onRun(entry);
    fed += n;
  }
  closeSync(fd);
  return runs;
}

/** wrk's Lua for a soak: every answer counted by status, the X-Cache hits, and p99.9. */
export const STATUS_LUA = `
-- every answer counted by status (response() runs in each thread, done() gathers them)
statuses = {}
hits = 0
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (headers["X-Cache"] or headers["x-cache"]) == "hit" then hits = hits + 1 end
end

function done(summary, latency, requests)
  local total = {}
  local hit = 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
    hit = hit + t:get("hits")
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\\n", k, v)) end
  io.write(string.format("cache hits %d\\n", hit))
  io.write(string.format("p99.9 %d\\n", latency:percentile(99.9)))
end
`;

/** What STATUS_LUA wrote: answers by status, and into `result` its cacheHits and p999Ms. */
export function statusFigures(result) {
  const statuses = {};
  for (const m of (result.output ?? '').matchAll(/^status (\d+) (\d+)$/gm)) statuses[m[1]] = Number(m[2]);
  const p999 = /^p99\.9 (\d+)$/m.exec(result.output ?? '');
  const cacheHits = /^cache hits (\d+)$/m.exec(result.output ?? '');
  if (cacheHits) result.cacheHits = Number(cacheHits[1]);
  if (p999) result.p999Ms = Number(p999[1]) / 1000;
  return statuses;
}

/** A soak's wrk figures as report lines: requests, latency, statuses (`cache`: with the X-Cache hits), errors. */
export function wrkLines(result, statuses, { cache = false } = {}) {
  const n = (x) => x.toLocaleString('en-US');
  return [
    `requests       ${n(result.requests)} in ${result.seconds.toFixed(1)} s: ${n(Math.round(result.wrkRps))} req/s, ` +
      `${(result.bytes / 2 ** 20).toFixed(0)} MiB read (${result.avgKB.toFixed(1)} KB/answer)`,
    `latency        p50 ${fmtMs(result.p50Ms)}, p90 ${fmtMs(result.p90Ms)}, p99 ${fmtMs(result.p99Ms)}, p99.9 ${fmtMs(result.p999Ms)}, max ${fmtMs(result.maxMs)} (wrk, corrected for coordinated omission)`,
    `statuses       ${
      Object.entries(statuses)
        .map(([s, c]) => `${s}: ${n(c)}`)
        .join(', ') || '-'
    }` +
      (cache
        ? `; answered from the response cache (X-Cache: hit): ${result.cacheHits === undefined ? '-' : `${((100 * result.cacheHits) / Math.max(1, result.requests)).toFixed(1)}%`}`
        : ''),
    `errors         ${result.errors}: non-2xx/3xx ${result.non2xx3xx}, connect ${result.socketErrors.connect}, read ${result.socketErrors.read}, ` +
      `write ${result.socketErrors.write}, timeout ${result.socketErrors.timeout}`,
  ];
}
