// What route handlers return: a complete response the app sends, caches and compresses.
import type { Readable } from 'node:stream';

export interface Page {
  status: number;
  /** Content-Type header value. */
  type: string;
  /**
   * A stream for downloads too big to hold (never cached), made only when the body is sent:
   * HEAD builds none of it.
   */
  body: string | Buffer | (() => Readable);
  headers?: Record<string, string>;
  /**
   * Keep for later requests until the store changes: by default GET answers below 400. Errors
   * are not kept (anyone can ask for endless distinct junk URLs), nor answers that depend on more
   * than the URL and the store (a Referer, the clock).
   */
  cache?: boolean;
  /**
   * What the page shows depends on, as change-log keys (store/change-log.ts: t<tid>, s<sid>,
   * c<chain>, m<Message-ID>, i<inbox>; `i*` every inbox): new mail touching none of them leaves the
   * cached page alone. Without tags any change drops it; [] only a change to everything.
   */
  tags?: readonly string[];
  /**
   * A refusal for load (503) that clears by itself in this many milliseconds: the app waits that
   * long once, within bounds, and asks again before sending it.
   */
  clearsInMs?: number;
}

export const HTML = 'text/html; charset=UTF-8';
export const TEXT = 'text/plain; charset=UTF-8';

export function html(body: string, status = 200): Page {
  return { status, type: HTML, body };
}

/** Plain errors as public-inbox sends them: the status text, no newline. */
export function plain(status: number, body: string, headers?: Record<string, string>): Page {
  return { status, type: TEXT, body, headers };
}

/**
 * A redirect; `query`, when given, follows the Location as the client sent it (the cache key
 * holds only the parameters pages read, so such an answer is not kept).
 */
export function redirect(status: 301 | 302, location: string, query = ''): Page {
  const to = query ? `${location}?${query}` : location;
  return {
    status,
    type: TEXT,
    body: `Redirecting to ${to}\n`,
    headers: { Location: to },
    ...(query ? { cache: false } : {}),
  };
}

export const notFound = (): Page => plain(404, 'Not Found');
