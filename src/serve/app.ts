// Builds the Fastify app (it never listens; server.ts does): one entry point that routes on the raw
// URL (routes.ts), Fastify's router for the fixed shapes of git's smart HTTP and the manifests
// (git-http.ts), security headers on every response, ETags, gzip when asked, and a response cache
// whose hits are written before Fastify sees the request.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStoreToServe, type Db } from '../store/open-database.js';
import { StoreReader } from '../store/reader.js';
import { SearchIndex } from '../store/search-index.js';
import { SeriesReader } from '../store/series-reader.js';
import { Site } from './site.js';
import { dispatch, type Method, type RequestContext } from './router.js';
import { ANY_CHANGE, ResponseCache } from './response-cache.js';
import { answerOfShared, mayKeep, sharedAnswer, type SharedAnswer } from './shared-answers.js';
import { answerOf, etagOf, writeAnswer, type Answer } from './answer.js';
import { canonicalOrigin, requestKey } from './request-key.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { Page } from './response.js';
import { ROUTES } from './routes.js';
import { GIT_HTTP_URL, gitHttpRoutes } from './git-http.js';
import type { GitBackendOptions } from './git-backend.js';
import { API_BODY_LIMIT, API_ROUTES, API_URL, allowedAt } from './api/routes.js';
import { apiError } from './api/paging.js';
import { parseApiQuery } from './api/query.js';
import { StatePublisher } from './api/publish.js';
import type { ApiContext } from './api/shapes.js';
import { ApiReader } from '../store/api-reader.js';
import { ApiTokens } from '../store/api-tokens.js';
import { openDatabase } from '../store/open-database.js';

export { CONTENT_SECURITY_POLICY } from './security-headers.js';
export { canonicalOrigin } from './request-key.js';

/** Longer request targets are refused (414): no Message-ID URL comes near this. */
const MAX_URL = 8192;
/** Request bodies (search downloads, attachment buttons) are tiny; public-inbox stops at 10 MiB. */
const MAX_BODY = 64 * 1024;
/** Methods the router hears; each route says which of them it takes (the rest answer 405). */
const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
/** Milliseconds a client has to send its request headers. */
const HEADERS_TIMEOUT = 10_000;
/** Milliseconds a whole request may take to arrive. */
const REQUEST_TIMEOUT = 30_000;
/** Milliseconds an idle keep-alive connection is kept. */
const KEEP_ALIVE_TIMEOUT = 5_000;
/**
 * How long a search refused for load may wait for room (the Retry-After a client would get), and
 * how many may wait at once: past that a flood of searches is refused at once, holding nothing.
 */
const MAX_LOAD_WAIT_MS = 1000;
const MAX_WAITING = 64;
/**
 * A page asked for the first time that took this long to render goes to the other workers too:
 * rendering it again would cost them five times what handing it on costs. A server starting cold
 * under load renders its pages once per worker otherwise, and its slowest answers wait. The soak
 * without mail (64 connections over 1,029 URLs from a cold start), p99.9: 20-25 ms handing on every
 * page, 102 ms with this rule, 155-240 ms handing on none or from 5 ms; each-once message pages:
 * 2.08, 1.70 and 1.61-1.74 ms of server CPU an answer. The slower start is the price of the cheaper
 * crawl.
 */
const SHARE_RENDERS_FROM_MS = 2;

/**
 * Requests Node refuses before any route sees them (headers too big, too slow, unparsable) are
 * answered here, with the same security headers as every other response.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = STATUS_CODES[status] ?? 'Bad Request';
  const headers = {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...SECURITY_HEADERS,
  };
  socket.end(
    `HTTP/1.1 ${status} ${body}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${body}`,
  );
}

export interface AppOptions {
  dataDir: string;
  /**
   * The archive's canonical URL (`https://host[:port]`), which every absolute URL uses (feeds,
   * help and mirror pages), as public-inbox's publicinbox.NAME.url. Without it they follow the
   * request's Host header, which then keys the response cache so one client cannot choose
   * another's links.
   */
  baseUrl?: string;
  /** Tell each answer whether the response cache held it (an X-Cache header), for benchmarks. */
  debugCache?: boolean;
  /** Milliseconds a client has to send its request headers (tests shorten it). */
  headersTimeoutMs?: number;
  /** Response cache size; 0 turns caching off. */
  cacheBytes?: number;
  /** How many `git http-backend` run at once, how many wait, and for how long one may run. */
  git?: GitBackendOptions;
  logger?: boolean;
  /** Milliseconds after an API write before the writer's state is published (tests shorten it). */
  publishDelayMs?: number;
  /**
   * Hands the server's other workers (takeShared) each page new mail dropped that this worker
   * rendered again, and each that took `shareRendersFromMs` or more to render.
   */
  share?: (answer: SharedAnswer) => void;
  /** Default SHARE_RENDERS_FROM_MS (tests set it). */
  shareRendersFromMs?: number;
}

export interface App {
  fastify: FastifyInstance;
  db: Db;
  reader: StoreReader;
  cache: ResponseCache;
  /** Publishes what API writes changed to admin.git (flush() publishes at once). */
  publisher: StatePublisher;
  /** Keep a page another worker rendered, when it shows exactly the changes this one has heard of; true if kept. */
  takeShared: (answer: SharedAnswer) => boolean;
}

export async function buildApp(opts: AppOptions): Promise<App> {
  // a small page cache: the OS caches the file for every worker, and a big per-worker one only
  // makes each worker's memory creep up as more of the store is read
  const db = openStoreToServe(opts.dataDir, { cacheMiB: 16 });
  const reader = new StoreReader(db);
  const site = new Site(reader, new SearchIndex(db), new SeriesReader(db), opts.dataDir);
  const api = new ApiReader(db);
  const cache = new ResponseCache(opts.cacheBytes ?? 128 * 1024 * 1024);
  const baseOrigin = opts.baseUrl === undefined ? undefined : canonicalOrigin(opts.baseUrl);
  const shareRendersFromMs = opts.shareRendersFromMs ?? SHARE_RENDERS_FROM_MS;

  // new mail drops only the cached answers it touched (the change log says what it touched)
  reader.onChange((changes) => cache.invalidate(changes));
  /**
   * Catch up with the store. The fast path does so once per turn of the event loop (`perTurn`):
   * the requests read in one turn arrived together, and looking costs more than a cache hit.
   */
  let syncedThisTurn = false;
  const syncStore = (perTurn: boolean) => {
    if (perTurn) {
      if (syncedThisTurn) return;
      syncedThisTurn = true;
      setImmediate(() => (syncedThisTurn = false));
    }
    reader.sync();
  };

  /** Write a cached answer for a GET or HEAD, if the cache holds one; true when it did. */
  const fromCache = (req: IncomingMessage, res: ServerResponse, url: string, perTurn: boolean): boolean => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || url.length > MAX_URL) return false;
    const { key } = requestKey(req, url, baseOrigin);
    syncStore(perTurn);
    const hit = cache.get(key);
    if (!hit) return false;
    writeAnswer(req, res, hit, {
      gzipped: (bytes) => cache.gzipped(key, hit, bytes),
      xCache: opts.debugCache ? 'hit' : undefined,
    });
    return true;
  };

  /** Requests the server's fast path looked up already and did not find. */
  const missed = new WeakSet<IncomingMessage>();

  const fastify = Fastify({
    logger: opts.logger ? { level: 'warn' } : false,
    bodyLimit: MAX_BODY,
    // cache hits are answered before Fastify builds a request: they are most of the traffic
    serverFactory: (handler) =>
      createServer(
        {
          // a client that never finishes its headers is dropped long before the request timeout,
          // checked often enough to matter; headers beyond 16 KiB are refused (431)
          headersTimeout: opts.headersTimeoutMs ?? HEADERS_TIMEOUT,
          connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? HEADERS_TIMEOUT),
          maxHeaderSize: 16 * 1024,
          requestTimeout: REQUEST_TIMEOUT,
          keepAliveTimeout: KEEP_ALIVE_TIMEOUT,
        },
        (req, res) => {
          if (fromCache(req, res, req.url ?? '/', true)) return;
          missed.add(req);
          handler(req, res);
        },
      ),
    // routing is ours, on the raw URL: public-inbox's Message-ID escaping needs it, and
    // malformed escapes must reach the not-found page rather than a framework error; git's URLs
    // and the manifests have fixed shapes and go to Fastify's router
    rewriteUrl: (req) => (GIT_HTTP_URL.test(req.url ?? '') || API_URL.test(req.url ?? '') ? (req.url as string) : '/'),
    requestTimeout: REQUEST_TIMEOUT,
    connectionTimeout: 60_000,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // answers Fastify sends itself (refusals, errors, downloads); pages carry them in their header block
  fastify.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return payload;
  });

  fastify.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error(err);
    void reply
      .code(status)
      .type('text/plain; charset=UTF-8')
      .send(STATUS_CODES[status] ?? 'Error');
  });

  /** Write a finished answer ourselves (as cache hits are), keeping it first when it may be kept. */
  const send = (req: FastifyRequest, reply: FastifyReply, answer: Answer, key?: string) => {
    reply.hijack();
    writeAnswer(req.raw, reply.raw, answer, {
      gzipped: key === undefined ? undefined : (bytes) => cache.gzipped(key, answer, bytes),
      xCache: opts.debugCache ? 'miss' : undefined,
    });
  };

  /** Send a page: streamed, or as an answer kept in the cache when a GET or HEAD may keep it. */
  const finish = (
    req: FastifyRequest,
    reply: FastifyReply,
    page: Page,
    at: { snapshot: number; key: string; seq?: number; renderMs?: number },
  ) => {
    const method = req.method;
    const headers: Record<string, string> = { 'Content-Type': page.type, ...page.headers };
    if (typeof page.body === 'function') {
      reply.code(page.status).headers(headers);
      return method === 'HEAD' ? reply.send() : reply.send(page.body());
    }
    const body = Buffer.isBuffer(page.body) ? page.body : Buffer.from(page.body, 'utf8');
    const readOnly = method === 'GET' || method === 'HEAD';
    const cacheable = readOnly && page.cache !== false && page.status < 400;
    const answer = answerOf(page.status, headers, body, cacheable ? etagOf(body, at.snapshot) : '');
    // the snapshot holds every change synced so far: what it lacks, a later sync drops
    if (cacheable) {
      const tags = page.tags ?? [ANY_CHANGE];
      // a page new mail dropped is asked for again in every worker: rendered once, it goes to the
      // others, as does a page that took long to render. Other pages asked for the first time do not
      // (a crawler asks for each once: handing one on costs the server 0.35-0.45 ms of CPU, a fifth
      // of an uncached message page)
      // (asked before the answer is kept: keeping it forgets that new mail had dropped it)
      const worthSharing = cache.droppedByChange(at.key) || (at.renderMs ?? 0) >= shareRendersFromMs;
      cache.set(at.key, answer, tags);
      send(req, reply, answer, at.key);
      // after sending, so that the gzipped body a client asked for travels too
      if (opts.share && worthSharing && at.seq !== undefined && cache.has(at.key))
        opts.share(sharedAnswer(at.key, answer, tags, at.seq));
      return;
    }
    return send(req, reply, answer);
  };

  const inSnapshot = db.transaction((ctx: RequestContext) => ({
    snapshot: reader.generation(),
    seq: reader.changeSeq(),
    d: dispatch(ROUTES, ctx),
  }));

  /** Requests waiting for their searches to have room (MAX_WAITING). */
  let waiting = 0;
  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.originalUrl;
    if (url.length > MAX_URL) return reply.code(414).type('text/plain; charset=UTF-8').send('URI Too Long');
    // requests that reach Fastify without the server's fast path (app.inject in tests) get hits here
    if (!missed.has(req.raw) && fromCache(req.raw, reply.raw, url, false)) return reply.hijack();
    const method = req.method as Method;
    syncStore(false);
    const { path, rawQuery, query, origin, key } = requestKey(req.raw, url, baseOrigin);
    const ctx: RequestContext = {
      site,
      method,
      path,
      rawQuery,
      query,
      origin,
      body: typeof req.body === 'string' ? req.body : '',
      referer: String(req.headers.referer ?? ''),
    };
    // one snapshot per request: an ingest committing meanwhile never shows half a thread
    let start = performance.now();
    let { d, snapshot, seq } = inSnapshot(ctx);
    // a search refused because searches took their share of this worker's time is run once they
    // have room again, if that is soon: a server carrying another's load too (or alone) answers it
    // late rather than 503 when it could answer it at all (the budget still holds: it is asked again)
    const clearsIn = d.kind === 'page' ? d.page?.clearsInMs : undefined;
    if (clearsIn !== undefined && clearsIn <= MAX_LOAD_WAIT_MS && waiting < MAX_WAITING) {
      waiting++;
      await sleep(clearsIn);
      waiting--;
      syncStore(false);
      start = performance.now();
      ({ d, snapshot, seq } = inSnapshot(ctx));
    }
    if (d.kind === 'method-not-allowed') {
      return reply.code(405).header('Allow', d.allow).type('text/plain; charset=UTF-8').send('Method Not Allowed');
    }
    return finish(req, reply, d.page ?? { status: 404, type: 'text/plain; charset=UTF-8', body: 'Not Found' }, {
      snapshot,
      key,
      seq,
      renderMs: performance.now() - start,
    });
  };

  fastify.route({ method: METHODS, url: '/', handler: handle });
  const gitRoutes = gitHttpRoutes({
    dataDir: opts.dataDir,
    inboxes: () => reader.inboxes().map((row) => ({ name: row.name, description: site.inbox(row.name)!.description })),
    backend: opts.git,
  });
  void fastify.register(async (scope) => {
    // git's request bodies go to git as they arrive, never parsed or buffered here
    scope.addContentTypeParser(
      ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'],
      (_req, _payload, done) => done(null),
    );
    for (const r of gitRoutes) {
      scope.route({
        method: r.method,
        url: r.url,
        handler: (req, reply) => {
          reply.hijack();
          return r.handler(req.raw, reply.raw, req.params as Record<string, string>);
        },
      });
    }
  });
  // the Patchwork API: reads cached like pages, writes on a writable connection opened on first use
  let writable: Db | undefined;
  const writer = () => (writable ??= openDatabase(opts.dataDir));
  const publisher = new StatePublisher(opts.dataDir, writer, opts.publishDelayMs);
  const apiContext = (req: FastifyRequest): ApiContext => ({
    db,
    site,
    api,
    origin: requestKey(req.raw, req.originalUrl, baseOrigin).origin,
  });
  const self = (req: FastifyRequest) =>
    `${apiContext(req).origin}${req.originalUrl.split('?')[0].replace(/\/?$/, '/')}`;
  void fastify.register(async (scope) => {
    // refusals of the API (a body too big, a malformed one) in its own JSON words, never a stack trace
    scope.setErrorHandler((err: { statusCode?: number; code?: string }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) req.log.error(err);
      const detail =
        err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `Request body too large: at most ${API_BODY_LIMIT} bytes.`
          : (STATUS_CODES[status] ?? 'Error');
      return finish(req, reply, apiError(status, detail), { snapshot: 0, key: '' });
    });
    for (const r of API_ROUTES) {
      const handler = async (req: FastifyRequest, reply: FastifyReply) => {
        const params = req.params as Record<string, string>;
        if (r.read) {
          // requests that reach Fastify without the server's fast path (app.inject in tests) get hits here
          if (!missed.has(req.raw) && fromCache(req.raw, reply.raw, req.originalUrl, false)) return reply.hijack();
          syncStore(false);
          const { key, rawQuery } = requestKey(req.raw, req.originalUrl, baseOrigin);
          const read = r.read;
          const c = apiContext(req);
          const { snapshot, page } = db.transaction(() => ({
            snapshot: reader.generation(),
            page: read({ c, params, query: parseApiQuery(rawQuery), self: self(req) }),
          }))();
          return finish(req, reply, page, { snapshot, key });
        }
        if (await publisher.isReplica())
          return finish(req, reply, apiError(403, 'This is a read replica: send writes to its writer.'), {
            snapshot: 0,
            key: '',
          });
        syncStore(false);
        const page = r.write!({
          c: apiContext(req),
          db: writer(),
          tokens: new ApiTokens(writer()),
          params,
          contentType: String(req.headers['content-type'] ?? ''),
          body: typeof req.body === 'string' ? req.body : '',
          authorization: req.headers.authorization,
          self: self(req),
          now: Math.floor(Date.now() / 1000),
        });
        if (page.status < 300) publisher.changed(`api ${r.method} ${req.url.split('?')[0]}`);
        return finish(req, reply, page, { snapshot: 0, key: '' });
      };
      for (const url of [r.url, `${r.url}/`])
        scope.route({ method: r.method, url, bodyLimit: API_BODY_LIMIT, handler });
    }
    // anything else under /api/: not found, or the methods the path takes
    scope.route({
      method: METHODS,
      url: '/api/*',
      bodyLimit: API_BODY_LIMIT,
      handler: async (req, reply) => {
        const allow = allowedAt(req.originalUrl);
        if (!allow) return finish(req, reply, apiError(404, 'Not found.'), { snapshot: 0, key: '' });
        const refusal = apiError(405, `Method "${req.method}" not allowed.`);
        return finish(req, reply, { ...refusal, headers: { Allow: allow } }, { snapshot: 0, key: '' });
      },
    });
  });
  // methods Fastify does not route (TRACE, ...) get the same 405 with the methods the URL takes
  fastify.setNotFoundHandler(handle);
  fastify.addHook('onClose', async () => {
    await publisher.flush();
    writable?.close();
    db.close();
  });
  const takeShared = (s: SharedAnswer): boolean => {
    // caught up first: a page rendered after the latest batch is then what this worker would render
    syncStore(false);
    if (!mayKeep(s, reader.syncedSeq()) || cache.has(s.key)) return false;
    cache.set(s.key, answerOfShared(s), s.tags);
    return true;
  };
  return { fastify, db, reader, cache, publisher, takeShared };
}
