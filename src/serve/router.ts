// URL to handler, matched on the raw, still percent-encoded path as public-inbox's WWW.pm does,
// so Message-IDs with '/', '%' or '?' in them route the same way there and here.
import type { Page } from './response.js';
import type { Query } from './query.js';
import type { Site, InboxView } from './site.js';
import { asciiHtml } from './html/escape.js';
import { midUnescape } from '../mail/message-id.js';

export interface RequestContext {
  site: Site;
  method: 'GET' | 'HEAD' | 'POST';
  /** Raw path, percent-encoded as sent. */
  path: string;
  rawQuery: string;
  query: Query;
  /** POST body, if any. */
  body: string;
  /** `scheme://host` of this request, for the absolute URLs redirects and feeds need. */
  origin: string;
  /** Referer header, '' when absent. */
  referer: string;
}

/** What a route needs about the inbox and Message-ID it names. */
export interface Target {
  inbox: InboxView;
  /** Percent-decoded once. */
  mid: string;
  /** As it appeared in the URL. */
  midRaw: string;
}

export type Handler = (ctx: RequestContext, m: RegExpExecArray) => Page | undefined;

interface Route {
  re: RegExp;
  handler: Handler;
  /** POST is accepted (search downloads, attachment buttons). */
  post?: boolean;
}

const routes: Route[] = [];

/** Register a route; order matters, as in WWW.pm. */
export function route(re: RegExp, handler: Handler, opts: { post?: boolean } = {}): void {
  routes.push({ re, handler, post: opts.post });
}

export type Dispatch = { kind: 'page'; page: Page | undefined } | { kind: 'method-not-allowed' };

/**
 * The first route that matches and answers; a handler returning undefined passes to the next.
 * Synchronous, so that a caller can run it inside one read transaction.
 */
export function dispatch(ctx: RequestContext): Dispatch {
  let refused = false;
  for (const r of routes) {
    const m = r.re.exec(ctx.path);
    if (!m) continue;
    if (ctx.method === 'POST' && !r.post) {
      refused = true;
      continue;
    }
    const page = r.handler(ctx, m);
    if (page) return { kind: 'page', page };
  }
  return refused ? { kind: 'method-not-allowed' } : { kind: 'page', page: undefined };
}

/** `[\w-][\w.-]*`: an inbox name in a URL. */
export const INBOX = String.raw`([\w-][\w.-]*)`;
/** A Message-ID path segment. */
export const MID = '([^/]+)';

export function target(ctx: RequestContext, inboxName: string, midRaw: string): Target | undefined {
  const inbox = ctx.site.inbox(inboxName);
  return inbox && { inbox, midRaw, mid: midUnescape(midRaw) };
}

/** Absolute URL of an inbox, escaped for HTML: feeds and redirects need it. */
export function inboxBase(ctx: RequestContext, ib: InboxView): string {
  return asciiHtml(`${ctx.origin}/${ib.name}/`);
}
