// `git http-backend` as a CGI child process for one request: the request body streamed in, the
// answer streamed out as git writes it. Read-only (http.receivepack off whatever the repository
// says), at a lower priority than page serving, a bounded number at a time with a short queue
// (503 past it), and each one stopped at a deadline or when its client goes away.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './security-headers.js';

export interface GitBackendOptions {
  /** git children running at once (each worker process). */
  concurrency: number;
  /** Requests waiting for one; more are refused with 503. */
  queue: number;
  /** Milliseconds a request may take, its transfer included. */
  timeoutMs: number;
  /**
   * Niceness of each git child: 10, below pages. A writer runs it at 0: its git answers its
   * replicas' fetches (public clones go to the replicas), which must not wait behind anything.
   */
  nice?: number;
}

export const DEFAULT_GIT_BACKEND: GitBackendOptions = { concurrency: 1, queue: 16, timeoutMs: 600_000, nice: 10 };

/** Bytes of request body git may get: a fetch's wants and haves (public-inbox stops at 10 MiB). */
const MAX_BODY = 10 << 20;

/** Configuration every child gets, through git's environment (git >= 2.31). */
const CONFIG: [string, string][] = [
  ['http.receivepack', 'false'],
  ['http.getanyfile', 'false'],
  // one thread per pack: a storm of clones takes one core each at most, at low priority
  ['pack.threads', '1'],
];

/** Admission: a bounded number at a time, then a bounded queue. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: GitBackendOptions) {}

  /** Resolves to a release function once admitted; undefined when the queue is full. */
  enter(abandoned: Promise<void>): Promise<(() => void) | undefined> {
    if (this.running < this.opts.concurrency) {
      this.running++;
      return Promise.resolve(this.release());
    }
    if (this.waiting.length >= this.opts.queue) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const admit = () => resolve(this.release());
      this.waiting.push(admit);
      // a client that gives up while queued takes no place
      void abandoned.then(() => {
        const i = this.waiting.indexOf(admit);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          resolve(undefined);
        }
      });
    });
  }

  private release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}

export interface GitRequest {
  /** Directory holding the repository (GIT_PROJECT_ROOT). */
  root: string;
  /** The repository under it and what is asked of it: /N.git/info/refs, /N.git/git-upload-pack. */
  pathInfo: string;
}

/** Write a short plain-text answer with the headers every lorekeeper answer carries. */
export function plainAnswer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  const body = Buffer.from(text);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': String(body.length),
    ...headers,
    ...SECURITY_HEADERS,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export class GitBackend {
  private readonly gate: Gate;

  constructor(private readonly opts: GitBackendOptions = DEFAULT_GIT_BACKEND) {
    this.gate = new Gate(opts);
  }

  async serve(req: IncomingMessage, res: ServerResponse, target: GitRequest): Promise<void> {
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const release = await this.gate.enter(gone);
    if (!release) {
      if (!res.writableEnded && !res.destroyed)
        plainAnswer(res, 503, 'Too many git requests at once; try again shortly\n', { 'Retry-After': '5' });
      return;
    }
    res.once('close', release);
    this.run(req, res, target, release);
  }

  private run(req: IncomingMessage, res: ServerResponse, target: GitRequest, release: () => void): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : (v ?? '');
    };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/',
      LC_ALL: 'C',
      GIT_PROJECT_ROOT: target.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: target.pathInfo,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: header('content-type'),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      // protocol v2 (what git 2.26+ asks for) and gzipped request bodies
      HTTP_GIT_PROTOCOL: header('git-protocol'),
      GIT_PROTOCOL: header('git-protocol'),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_CONFIG_COUNT: String(CONFIG.length),
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = header('content-length');
    CONFIG.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
    const nice = String(this.opts.nice ?? DEFAULT_GIT_BACKEND.nice);
    const child = spawn('nice', ['-n', nice, 'git', 'http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => {
      stop();
      res.destroy();
    }, this.opts.timeoutMs);
    child.on('close', () => {
      clearTimeout(deadline);
      release();
    });
    child.on('error', () => {
      if (!res.headersSent) plainAnswer(res, 500, 'git is not available\n');
    });
    // a client that goes away stops its git, which would otherwise pack for no one
    res.once('close', stop);
    child.stderr.resume();
    child.stdin.on('error', () => {});
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY) {
        stop();
        if (!res.headersSent) plainAnswer(res, 413, 'Request body too large\n');
      }
    });
    req.pipe(child.stdin);
    this.answer(child.stdout, res);
  }

  /** The CGI answer: a header block (Status: and fields), a blank line, then the body, streamed. */
  private answer(out: NodeJS.ReadableStream, res: ServerResponse): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 64 * 1024) out.removeListener('data', onData);
        return;
      }
      out.removeListener('data', onData);
      out.pause();
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 502;
        else headers[name] = value;
      }
      if (res.destroyed) return;
      res.writeHead(status, { ...headers, ...SECURITY_HEADERS });
      const rest = head.subarray(end + 4);
      if (rest.length) res.write(rest);
      out.pipe(res);
      out.resume();
    };
    out.on('data', onData);
    out.on('end', () => {
      if (!res.headersSent && !res.destroyed) plainAnswer(res, 502, 'git answered nothing\n');
    });
  }
}
