// The Patchwork API's answers and lists: JSON bodies, `{"detail": ...}` errors, and pages of 30 (at
// most 100 with ?per_page=) linked by an RFC 5988 Link header (next, prev, first, last), as
// Django REST framework's LinkHeaderPagination writes them.
import type { Page } from '../response.js';
import { withPage, type ApiQuery } from './query.js';

export const JSON_TYPE = 'application/json';
const PER_PAGE = 30;
const MAX_PER_PAGE = 100;

export function jsonPage(status: number, body: unknown, headers?: Record<string, string>): Page {
  return { status, type: JSON_TYPE, body: JSON.stringify(body), headers };
}

/** An error as Patchwork words them: `{"detail": "..."}` (or a field's list of complaints). */
export function apiError(status: number, detail: string | Record<string, string[]>): Page {
  return { ...jsonPage(status, typeof detail === 'string' ? { detail } : detail), cache: false };
}

export interface Paging {
  page: number;
  limit: number;
  offset: number;
}

/** ?page= and ?per_page=; undefined for a page that is no number (Django's 404 "Invalid page."). */
export function paging(q: ApiQuery, fixedSize = false): Paging | undefined {
  const pageParam = q.get('page')?.at(-1);
  const page =
    pageParam === undefined || pageParam === '' ? 1 : /^[1-9][0-9]{0,8}$/.test(pageParam) ? Number(pageParam) : NaN;
  if (Number.isNaN(page)) return undefined;
  const per = q.get('per_page')?.at(-1);
  const size =
    fixedSize || per === undefined || !/^[1-9][0-9]{0,8}$/.test(per) ? PER_PAGE : Math.min(Number(per), MAX_PER_PAGE);
  return { page, limit: size, offset: (page - 1) * size };
}

/**
 * One page of a list: its items as JSON, with the Link header; a page past the last is a 404, as
 * Django's paginator says (the first page of nothing is an empty list).
 */
export function listPage(items: unknown[], count: number, p: Paging, self: { url: string; query: ApiQuery }): Page {
  const last = Math.max(1, Math.ceil(count / p.limit));
  if (p.page > last) return apiError(404, 'Invalid page.');
  const link = (n: number) => `<${self.url}?${withPage(self.query, n)}>`;
  const links: string[] = [];
  if (p.page < last) links.push(`${link(p.page + 1)}; rel="next"`);
  if (p.page > 1) links.push(`${link(p.page - 1)}; rel="prev"`);
  links.push(`${link(1)}; rel="first"`, `${link(last)}; rel="last"`);
  return jsonPage(200, items, { Link: links.join(', ') });
}
