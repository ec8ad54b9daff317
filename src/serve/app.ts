// Builds the Fastify app (it never listens; server.ts does): one entry point that routes on the raw
// URL, security headers on every response, ETags, gzip when asked, and a response cache.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Readable, type Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { openStoreToServe, type Db } from '../store/open-database.js';
import { StoreReader } from '../store/reader.js';
import { SearchIndex } from '../store/search-index.js';
import { SeriesReader } from '../store/series-reader.js';
import { Site } from './site.js';
import { dispatch, type RequestContext } from './router.js';
import { parseQuery } from './query.js';
import { ResponseCache, type CachedResponse } from './response-cache.js';
import type { Page } from './response.js';
// route modules register themselves in this order, which matters as in public-inbox's WWW.pm
import './routes/listing.js';
import './routes/inbox.js';
// series URLs before message URLs: /NAME/series/ would otherwise read as a Message-ID
import './routes/series.js';
import './routes/message.js';
import './routes/thread.js';
import './routes/search.js';
import './routes/redirects.js';

/** Longer request targets are refused (414): no Message-ID URL comes near this. */
const MAX_URL = 8192;
/** Request bodies (search downloads, attachment buttons) are tiny; public-inbox stops at 10 MiB. */
const MAX_BODY = 64 * 1024;
/** Methods any URL answers; POST only where public-inbox takes it (search downloads). */
const ALLOWED = 'GET, HEAD, POST';
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
  /** Milliseconds a client has to send its request headers (tests shorten it). */
  headersTimeoutMs?: number;
  /** Response cache size; 0 turns caching off. */
  cacheBytes?: number;
  logger?: boolean;
}

export interface App {
  fastify: FastifyInstance;
  db: Db;
}

function origin(req: FastifyRequest): string {
  const host = req.headers.host ?? '';
  return `http://${HOST.test(host) ? host : '127.0.0.1'}`;
}

function acceptsGzip(req: FastifyRequest): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

function etagOf(body: Buffer, generation: number): string {
  return `"${generation.toString(36)}-${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
}

export async function buildApp(opts: AppOptions): Promise<App> {
  // a small page cache: the OS caches the file for every worker, and a big per-worker one only
  // makes each worker's memory creep up as more of the store is read
  const db = openStoreToServe(opts.dataDir, { cacheMiB: 16 });
  const reader = new StoreReader(db);
  const site = new Site(reader, new SearchIndex(db), new SeriesReader(db));
  const cache = new ResponseCache(opts.cacheBytes ?? 128 * 1024 * 1024);

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

  const send = (req: FastifyRequest, reply: FastifyReply, c: CachedResponse, cached: boolean): FastifyReply => {
    reply
      .code(c.status)
      .headers(c.headers)
      .header('X-Cache', cached ? 'hit' : 'miss');
    if (c.etag) {
      reply.header('ETag', c.etag);
      if (req.headers['if-none-match'] === c.etag) return reply.code(304).send();
    }
    if (c.body.length >= MIN_GZIP && COMPRESSIBLE.test(c.headers['Content-Type'] ?? '')) {
      reply.header('Vary', 'Accept-Encoding');
      if (acceptsGzip(req)) {
        if (!c.gzipped) {
          c.gzipped = gzipSync(c.body, { level: 6 });
          cache.grew(c.gzipped.length);
        }
        return reply.header('Content-Encoding', 'gzip').send(c.gzipped);
      }
    }
    return reply.send(c.body);
  };

  const inSnapshot = db.transaction((ctx: RequestContext) => ({ snapshot: reader.generation(), d: dispatch(ctx) }));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.originalUrl;
    if (url.length > MAX_URL) return reply.code(414).type('text/plain; charset=UTF-8').send('URI Too Long');
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method as RequestContext['method'];
    const generation = reader.generation();
    const key = `${path}?${rawQuery}`;
    if (method !== 'POST' && cache) {
      cache.sync(generation);
      const hit = cache.get(key);
      if (hit) return send(req, reply, hit, true);
    }
    const ctx: RequestContext = {
      site,
      method,
      path,
      rawQuery,
      query: parseQuery(rawQuery),
      origin: origin(req),
      body: typeof req.body === 'string' ? req.body : '',
      referer: String(req.headers.referer ?? ''),
    };
    // one snapshot per request: an ingest committing meanwhile never shows half a thread
    const { d, snapshot } = inSnapshot(ctx);
    if (d.kind === 'method-not-allowed')
      return reply.code(405).header('Allow', 'GET, HEAD').type('text/plain; charset=UTF-8').send('Method Not Allowed');
    const page: Page = d.page ?? { status: 404, type: 'text/plain; charset=UTF-8', body: 'Not Found', cache: true };
    const headers: Record<string, string> = { 'Content-Type': page.type, ...page.headers };
    if (page.body instanceof Readable) {
      return reply.code(page.status).headers(headers).send(page.body);
    }
    const body = Buffer.isBuffer(page.body) ? page.body : Buffer.from(page.body, 'utf8');
    const cacheable = method !== 'POST' && page.cache !== false && (page.cache === true || page.status < 400);
    const entry: CachedResponse = { status: page.status, headers, body, etag: cacheable ? etagOf(body, snapshot) : '' };
    // a page read from a newer store than the cache was synced to waits for the next request
    if (cacheable && snapshot === generation) cache.set(key, entry);
    return send(req, reply, entry, false);
  };

  fastify.route({ method: ['GET', 'HEAD', 'POST'], url: '/', handler: handle });
  fastify.setNotFoundHandler((_req, reply) =>
    reply.code(405).header('Allow', ALLOWED).type('text/plain; charset=UTF-8').send('Method Not Allowed'),
  );
  fastify.addHook('onClose', async () => db.close());
  return { fastify, db };
}
