// Which origin a request's absolute URLs use, and the response cache key it is answered under.
import type { IncomingMessage } from 'node:http';
import { parseQuery, type Query } from './query.js';
import { API_PREFIX } from './api/routes.js';
import { apiQueryKey } from './api/query.js';

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Query parameters some page reads (SearchQuery, ?t= pages, ?vs= interdiffs, ?state= lists); pages ignore the rest. */
const READ_PARAMS = ['q', 'x', 'o', 'l', 'r', 't', 'vs', 'state'];

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

/** The origin a request was asked under, from its Host header (a malformed one counts as 127.0.0.1). */
export function hostOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  return `http://${HOST.test(host) ? host.toLowerCase() : '127.0.0.1'}`;
}

export interface RequestKey {
  path: string;
  rawQuery: string;
  query: Query;
  origin: string;
  /**
   * The response cache key: the path and only the parameters pages read, in one order, so `?cb=N`
   * cannot make every request a fresh render (redirects repeat the raw query: they are not kept);
   * without a base URL, pages print the Host they were asked under, so it is part of the key.
   */
  key: string;
}

export function requestKey(req: IncomingMessage, url: string, baseOrigin: string | undefined): RequestKey {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const query = parseQuery(rawQuery);
  const origin = baseOrigin ?? hostOrigin(req);
  let params = '';
  // the Patchwork API reads parameters of its own, some of them several times
  if (path.startsWith(API_PREFIX)) params = apiQueryKey(rawQuery);
  else for (const k of READ_PARAMS) if (query.has(k)) params += `&${k}=${query.get(k)}`;
  return { path, rawQuery, query, origin, key: `${baseOrigin ? '' : origin} ${path}?${params}` };
}
