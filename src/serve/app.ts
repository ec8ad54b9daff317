// Builds the Fastify app (it never listens; server.ts does): one entry point that routes on the raw
// URL, security headers on every response, ETags, gzip when asked, and a response cache.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { openStoreToServe, type Db } from '../store/open-database.js';
import { StoreReader } from '../store/reader.js';
import { SearchIndex } from '../store/search-index.js';
import { SeriesReader } from '../store/series-reader.js';
import { Site } from './site.js';
import { dispatch, type Method, type RequestContext } from './router.js';
import { parseQuery, type Query } from './query.js';
import { ResponseCache, type CachedResponse } from './response-cache.js';
import type { Page } from './response.js';
import { ROUTES } from './routes.js';

/** Longer request targets are refused (414): no Message-ID URL comes near this. */
const MAX_URL = 8192;
/** Request bodies (search downloads, attachment buttons) are tiny; public-inbox stops at 10 MiB. */
const MAX_BODY = 64 * 1024;
/** Methods the router hears; each route says which of them it takes (the rest answer 405). */
const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
/** Milliseconds a client has to send its request headers. */
const HEADERS_TIMEOUT = 10_000;
/** Bodies smaller than this are not worth compressing. */
const MIN_GZIP = 1024;

/**
 * No script, no plugin, no frame, no remote anything: only our own stylesheet and forms posting
 * back to us. Mail content cannot widen this, whatever it contains.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const COMPRESSIBLE = /^(?:text\/|application\/(?:atom\+xml|json))/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

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
  logger?: boolean;
}

export interface App {
  fastify: FastifyInstance;
  db: Db;
  cache: ResponseCache;
}

/** `scheme://host[:port]` from a configured base URL; anything else is refused at start. */
export function canonicalOrigin(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new Error(`--base-url ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search || u.username) {
    throw new Error(`--base-url ${JSON.stringify(baseUrl)} must be http(s)://host[:port]/ with nothing after the host`);
  }
  return u.origin;
}

function hostOrigin(req: FastifyRequest): string {
  const host = req.headers.host ?? '';
  return `http://${HOST.test(host) ? host.toLowerCase() : '127.0.0.1'}`;
}

function acceptsGzip(req: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function etagOf(body: Buffer, generation: number): string {
  return `"${generation.toString(36)}-${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
}

/** Query parameters some page reads (SearchQuery, ?t= pages, ?vs= interdiffs); pages ignore the rest. */
const READ_PARAMS = ['q', 'x', 'o', 'l', 'r', 't', 'vs'];

/**
 * The cache key's query part: only the parameters pages read, in one order, so `?cb=N` cannot
 * make every request a fresh render. (Redirects repeat the raw query: they are not cached then.)
 */
function queryKey(query: Query): string {
  let key = '';
  for (const k of READ_PARAMS) if (query.has(k)) key += `&${k}=${query.get(k)}`;
  return key;
}

/** The gzipped representation is another one and has its own ETag (RFC 9110 8.8.3). */
const gzipEtag = (etag: string) => etag.replace(/"$/, '-gz"');

/** If-None-Match names this ETag (weak comparison, as RFC 9110 13.1.2 asks for GET and HEAD). */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

export async function buildApp(opts: AppOptions): Promise<App> {
  // a small page cache: the OS caches the file for every worker, and a big per-worker one only
  // makes each worker's memory creep up as more of the store is read
  const db = openStoreToServe(opts.dataDir, { cacheMiB: 16 });
  const reader = new StoreReader(db);
  const site = new Site(reader, new SearchIndex(db), new SeriesReader(db));
  const cache = new ResponseCache(opts.cacheBytes ?? 128 * 1024 * 1024);
  const baseOrigin = opts.baseUrl === undefined ? undefined : canonicalOrigin(opts.baseUrl);

  const fastify = Fastify({
    logger: opts.logger ? { level: 'warn' } : false,
    bodyLimit: MAX_BODY,
    // routing is ours, on the raw URL: public-inbox's Message-ID escaping needs it, and
    // malformed escapes must reach the not-found page rather than a framework error
    rewriteUrl: () => '/',
    requestTimeout: 30_000,
    http: {
      // a client that never finishes its headers is dropped long before the request timeout,
      // checked often enough to matter; headers beyond 16 KiB are refused (431)
      headersTimeout: opts.headersTimeoutMs ?? HEADERS_TIMEOUT,
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? HEADERS_TIMEOUT),
      maxHeaderSize: 16 * 1024,
    },
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

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

  /** Send an answer; `key` is its cache key when the cache holds it, `hit` whether it came from there. */
  const send = (req: FastifyRequest, reply: FastifyReply, c: CachedResponse, key?: string, hit = false) => {
    reply.code(c.status).headers(c.headers);
    if (opts.debugCache) reply.header('X-Cache', hit ? 'hit' : 'miss');
    const gzip = c.body.length >= MIN_GZIP && COMPRESSIBLE.test(c.headers['Content-Type'] ?? '');
    if (gzip) reply.header('Vary', 'Accept-Encoding');
    const zipped = gzip && acceptsGzip(req);
    if (c.etag) {
      const etag = zipped ? gzipEtag(c.etag) : c.etag;
      reply.header('ETag', etag);
      if (notModified(req.headers['if-none-match'], etag)) return reply.code(304).send();
    }
    if (zipped) {
      if (!c.gzipped) {
        const gzipped = gzipSync(c.body, { level: 6 });
        if (key === undefined) c.gzipped = gzipped;
        else cache.addGzipped(key, c, gzipped);
      }
      return reply.header('Content-Encoding', 'gzip').send(c.gzipped);
    }
    return reply.send(c.body);
  };

  const inSnapshot = db.transaction((ctx: RequestContext) => ({
    snapshot: reader.generation(),
    d: dispatch(ROUTES, ctx),
  }));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.originalUrl;
    if (url.length > MAX_URL) return reply.code(414).type('text/plain; charset=UTF-8').send('URI Too Long');
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method as Method;
    const generation = reader.generation();
    const origin = baseOrigin ?? hostOrigin(req);
    const query = parseQuery(rawQuery);
    // without a base URL, pages print the Host they were asked under: it is part of the key
    const key = `${baseOrigin ? '' : origin} ${path}?${queryKey(query)}`;
    const readOnly = method === 'GET' || method === 'HEAD';
    if (readOnly) {
      cache.sync(generation);
      const hit = cache.get(key);
      if (hit) return send(req, reply, hit, key, true);
    }
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
    const { d, snapshot } = inSnapshot(ctx);
    if (d.kind === 'method-not-allowed') {
      return reply.code(405).header('Allow', d.allow).type('text/plain; charset=UTF-8').send('Method Not Allowed');
    }
    const page: Page = d.page ?? { status: 404, type: 'text/plain; charset=UTF-8', body: 'Not Found' };
    const headers: Record<string, string> = { 'Content-Type': page.type, ...page.headers };
    if (typeof page.body === 'function') {
      reply.code(page.status).headers(headers);
      return method === 'HEAD' ? reply.send() : reply.send(page.body());
    }
    const body = Buffer.isBuffer(page.body) ? page.body : Buffer.from(page.body, 'utf8');
    const cacheable = readOnly && page.cache !== false && page.status < 400;
    const entry: CachedResponse = { status: page.status, headers, body, etag: cacheable ? etagOf(body, snapshot) : '' };
    // a page read from a newer store than the cache was synced to waits for the next request
    if (cacheable && snapshot === generation) {
      cache.set(key, entry);
      return send(req, reply, entry, key);
    }
    return send(req, reply, entry);
  };

  fastify.route({ method: METHODS, url: '/', handler: handle });
  // methods Fastify does not route (TRACE, ...) get the same 405 with the methods the URL takes
  fastify.setNotFoundHandler(handle);
  fastify.addHook('onClose', async () => db.close());
  return { fastify, db, cache };
}
