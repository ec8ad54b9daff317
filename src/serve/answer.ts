// A finished answer (a page, a download, a redirect) and how it is written to a client: gzipped
// when the client takes it, revalidated with ETags, its header block built once and kept with it,
// straight onto Node's response so that a cached answer costs no more than a map lookup and a write.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './security-headers.js';

/** Bodies smaller than this are not worth compressing. */
const MIN_GZIP = 1024;
const COMPRESSIBLE = /^(?:text\/|application\/(?:atom\+xml|json))/;
const SECURITY = Object.entries(SECURITY_HEADERS).flat();

export interface Answer {
  status: number;
  /** Content-Type and whatever else the page set (Location, Content-Disposition ...). */
  headers: Record<string, string>;
  body: Buffer;
  /** '' when the answer is not kept: no revalidation then. */
  etag: string;
  /** Worth gzipping for a client that takes it. */
  compressible: boolean;
  /** The body gzipped, made the first time a client accepts it. */
  gzipped?: Buffer;
  /** Header blocks as Node's writeHead takes them, made on first use. */
  plainHead?: string[];
  gzipHead?: string[];
}

export function answerOf(status: number, headers: Record<string, string>, body: Buffer, etag: string): Answer {
  const compressible = body.length >= MIN_GZIP && COMPRESSIBLE.test(headers['Content-Type'] ?? '');
  return { status, headers, body, etag, compressible };
}

/** A strong ETag from the body and the store generation it was read from. */
export function etagOf(body: Buffer, generation: number): string {
  return `"${generation.toString(36)}-${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
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

function headOf(a: Answer, gzip: boolean, body: Buffer): string[] {
  const head: string[] = [];
  for (const k in a.headers) head.push(k, a.headers[k]);
  if (a.compressible) head.push('Vary', 'Accept-Encoding');
  if (gzip) head.push('Content-Encoding', 'gzip');
  if (a.etag) head.push('ETag', gzip ? gzipEtag(a.etag) : a.etag);
  head.push('Content-Length', String(body.length), ...SECURITY);
  return head;
}

export interface WriteOptions {
  /** Called once when the gzipped body is first made, so a cache can count it. */
  gzipped?: (bytes: Buffer) => void;
  /** Debug header: whether the response cache held the answer. */
  xCache?: 'hit' | 'miss';
}

/**
 * zlib's level 2: on pages, a third of the CPU of its default 6 for about a seventh more bytes
 * (19.9% of the page against 17.5%, virtualization list). Most answers are made for one client (a
 * crawler asks for each page once), so making them is what costs.
 */
const GZIP_LEVEL = 2;

/** Write the answer as this request wants it: gzipped or not, 304 when the client has it, no body for HEAD. */
export function writeAnswer(req: IncomingMessage, res: ServerResponse, a: Answer, o: WriteOptions = {}): void {
  const gzip = a.compressible && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  if (gzip && !a.gzipped) {
    a.gzipped = gzipSync(a.body, { level: GZIP_LEVEL });
    o.gzipped?.(a.gzipped);
  }
  const body = gzip ? a.gzipped! : a.body;
  let head = gzip ? (a.gzipHead ??= headOf(a, true, body)) : (a.plainHead ??= headOf(a, false, body));
  if (o.xCache) head = [...head, 'X-Cache', o.xCache];
  const etag = a.etag && (gzip ? gzipEtag(a.etag) : a.etag);
  if (etag && notModified(req.headers['if-none-match'], etag)) {
    res.writeHead(304, head);
    res.end();
    return;
  }
  res.writeHead(a.status, head);
  res.end(req.method === 'HEAD' ? undefined : body);
}
