// The Patchwork REST API 1.2 subset at /api/1.2/, a family of fixed-shape URLs without a Message-ID:
// routed by Fastify's router (app.ts registers these), as git-http.ts's are. Every URL is served with
// and without its trailing slash, as Django's APPEND_SLASH lets clients ask.
import * as read from './reads.js';
import { createCheck, updatePatch, type Write } from './writes.js';
import type { Read } from './reads.js';
import { API_VERSION } from './shapes.js';

export const API_PREFIX = '/api/';
/** URLs of this family: app.ts lets them through to Fastify's router. */
export const API_URL = /^\/api\/(?:[^/?]*)(?:[/?]|$)/;
/** Request bodies of the API's writes: a state or a check is a few hundred bytes. */
export const API_BODY_LIMIT = 16 * 1024;

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Fastify's pattern, without its trailing slash. */
  url: string;
  read?: Read;
  write?: Write;
}

const V = `/api/${API_VERSION}`;
const get = (url: string, r: Read): ApiRoute => ({ method: 'GET', url: `${V}${url}`, read: r });
const write = (method: ApiRoute['method'], url: string, w: Write): ApiRoute => ({
  method,
  url: `${V}${url}`,
  write: w,
});

export const API_ROUTES: ApiRoute[] = [
  get('', read.index),
  get('/projects', read.projects),
  get('/projects/:id', read.project),
  get('/series', read.seriesList),
  get('/series/:id', read.series),
  get('/patches', read.patchList),
  get('/patches/:id', read.patch),
  write('PATCH', '/patches/:id', updatePatch),
  write('PUT', '/patches/:id', updatePatch),
  get('/patches/:id/comments', read.patchComments),
  get('/patches/:patch_id/checks', read.checkList),
  write('POST', '/patches/:patch_id/checks', createCheck),
  get('/patches/:patch_id/checks/:check_id', read.check),
  get('/covers', read.coverList),
  get('/covers/:id', read.cover),
  get('/covers/:id/comments', read.coverComments),
  get('/people', read.people),
  get('/people/:id', read.person),
  get('/users', read.users),
  get('/users/:id', read.user),
  get('/bundles', read.bundles),
  get('/events', read.events),
];

/** The methods some route takes at this path ('' when it is none of the API's). */
export function allowedAt(path: string): string {
  const methods = new Set<string>();
  const p = path.split('?')[0].replace(/\/$/, '');
  for (const r of API_ROUTES) {
    const re = new RegExp(`^${r.url.replace(/\./g, '\\.').replace(/:[a-z_]+/g, '[^/]+')}$`);
    if (re.test(p)) methods.add(r.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].join(', ');
}
