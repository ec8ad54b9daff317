// URL to handler, matched on the raw, still percent-encoded path as public-inbox's WWW.pm does,
// so Message-IDs with '/', '%' or '?' in them route the same way there and here.
import type { Page } from './response.js';
import type { Query } from './query.js';
import type { Site, InboxView } from './site.js';
import { midUnescape } from '../mail/message-id.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

export interface RequestContext {
  site: Site;
  method: Method;
  /** Raw path, percent-encoded as sent. */
  path: string;
  rawQuery: string;
  query: Query;
  /** POST body, if any. */
  body: string;
  /**
   * `scheme://host` of the archive for the absolute URLs feeds and help pages print: the configured
   * base URL, else the request's Host (which then keys the response cache).
   */
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

/** Whether a route takes POST for this request (search downloads, attachment buttons). */
export type PostRule = boolean | ((ctx: RequestContext) => boolean);

/** What a route matches paths with: a RegExp, or anything with the same `exec`. */
export interface Matcher {
  exec(path: string): RegExpExecArray | null;
}

/** One line of the route table (routes.ts). */
export interface Route {
  re: Matcher;
  handler: Handler;
  post?: PostRule;
}

export type Dispatch = { kind: 'page'; page: Page | undefined } | { kind: 'method-not-allowed'; allow: string };

const takesPost = (r: Route, ctx: RequestContext) => (typeof r.post === 'function' ? r.post(ctx) : !!r.post);

/**
 * The first route that matches and answers; a handler returning undefined passes to the next.
 * Synchronous, so that a caller can run it inside one read transaction. A method the matching
 * routes do not take is refused with the methods they do.
 */
export function dispatch(routes: readonly Route[], ctx: RequestContext): Dispatch {
  let refused = false;
  let post = false;
  for (const r of routes) {
    const m = r.re.exec(ctx.path);
    if (!m) continue;
    const postOk = takesPost(r, ctx);
    post ||= postOk;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !(ctx.method === 'POST' && postOk)) {
      refused = true;
      continue;
    }
    const page = r.handler(ctx, m);
    if (page) return { kind: 'page', page };
  }
  return refused
    ? { kind: 'method-not-allowed', allow: post ? 'GET, HEAD, POST' : 'GET, HEAD' }
    : { kind: 'page', page: undefined };
}

/** `[\w-][\w.-]*`: an inbox name in a URL. */
export const INBOX = String.raw`([\w-][\w.-]*)`;
/** A Message-ID path segment. */
export const MID = '([^/]+)';

export function target(ctx: RequestContext, inboxName: string, midRaw: string): Target | undefined {
  const inbox = ctx.site.inbox(inboxName);
  return inbox && { inbox, midRaw, mid: midUnescape(midRaw) };
}

/** Absolute URL of an inbox, ending in '/': feeds and help pages print it. */
export function inboxBase(ctx: RequestContext, ib: InboxView): string {
  return `${ctx.origin}/${ib.name}/`;
}
