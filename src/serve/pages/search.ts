// Search results (views/search.hbs, SearchView): the summary list, the nested view with whole
// messages, and the page of an empty or bad query, with public-inbox's links for order, view,
// paging and downloads. The Atom form of results is pages/atom.ts.
import { render } from '../templates.js';
import { frame, type Frame } from './frame.js';
import { fmtTs } from '../../html/dates.js';
import { layoutThread, renderSkeleton } from '../../html/skeleton.js';
import { midHref } from '../../html/mid-path.js';
import type { Html } from '../../html/html.js';
import { midEscape, midUnescape } from '../../mail/message-id.js';
import { parseQuery, QueryError } from '../../search/query.js';
import type { SearchHit, SearchIndex } from '../../store/search-index.js';
import { SearchOverBudget } from '../../store/search-budget.js';
import type { InboxView, Site } from '../site.js';
import type { Query } from '../query.js';
import { messageEntry, type MessageEntry } from './message-entry.js';
import { atomFeed } from './atom.js';

/** Results per page, at most (public-inbox's $LIM). */
export const SEARCH_LIMIT = 200;

/** The query parameters of a search page (SearchQuery). */
export interface SearchParams {
  q: string;
  x: string;
  o: number;
  l: number;
  r: boolean;
  t: boolean;
}

export function searchParams(query: Query): SearchParams {
  const flag = (k: string) => query.has(k) && query.get(k) !== '0';
  const l = Number(/([0-9]+)/.exec(query.get('l') ?? '')?.[1] ?? 0);
  return {
    q: query.get('q') ?? '',
    x: query.get('x') ?? '',
    o: Number(/(-?[0-9]+)/.exec(query.get('o') ?? '0')?.[1] ?? 0),
    l: !l || l > SEARCH_LIMIT ? SEARCH_LIMIT : l,
    r: flag('r'),
    t: flag('t'),
  };
}

/** The query string for links (SearchQuery::qs_html): q with MID_ESC and '+' for spaces. */
export function queryString(p: SearchParams, over: Partial<SearchParams> = {}): string {
  const s = { ...p, ...over };
  let qs = `q=${midEscape(s.q).replace(/%20/g, '+')}`;
  if (s.o) qs += `&o=${s.o}`;
  if (s.l && s.l !== SEARCH_LIMIT) qs += `&l=${s.l}`;
  if (s.r) qs += '&r';
  if (s.t) qs += '&t';
  if (s.x === 't' || s.x === 'A' || s.x === 'm') qs += `&x=${s.x}`;
  return qs;
}

export type SearchOutcome = { kind: 'html'; status: number; html: string } | { kind: 'atom'; body: string };

interface NavTop {
  download: string;
  retried?: { initial: string; used: string };
  relevance: boolean;
  dateHref: string;
  relevanceHref: string;
  nested: boolean;
  summaryHref: string;
  nestedHref: string;
  atomHref: string;
  collapsedNote: boolean;
  getNote: boolean;
}

interface NavBottom {
  results: string;
  next?: { href: string; label: string };
  join: string;
  prev?: { href: string; label: string };
  reverseHref: string;
}

interface SummaryRow {
  rank: string;
  href: string;
  subject: string;
  indent: string;
  from: string;
  date: string;
  percent: number;
}

interface SearchPage {
  frame: Frame;
  error?: string;
  empty: boolean;
  top?: NavTop;
  rows?: SummaryRow[];
  entries?: MessageEntry[];
  bottom?: NavBottom;
  skeleton?: Html;
}

function navTop(p: SearchParams, retried: string | undefined): NavTop {
  return {
    download: queryString(p, { x: 'm', r: false, t: false }),
    retried: retried === undefined ? undefined : { initial: retried, used: p.q },
    relevance: p.r,
    dateHref: queryString(p, { r: false }),
    relevanceHref: queryString(p, { r: true }),
    nested: p.x === 't',
    summaryHref: queryString(p, { x: '' }),
    nestedHref: queryString(p, { x: 't' }),
    atomHref: queryString(p, { x: 'A', r: false }),
    collapsedNote: p.x !== 't' && p.t,
    getNote: p.x === 'm',
  };
}

function navBottom(p: SearchParams, shown: number, total: number, pcts: number[]): NavBottom {
  const off = p.o < 0 ? -(p.o + 1) : p.o;
  const beg = off + 1;
  const end = off + shown;
  const min = pcts.length ? Math.min(...pcts) : 0;
  const max = pcts.length ? Math.max(...pcts) : 0;
  const nav: NavBottom = {
    results: beg <= end ? `Results ${beg}-${end} of ${total}` : `No more results, only ${total}`,
    next: undefined,
    join: '',
    prev: undefined,
    reverseHref: queryString(p, { o: p.o < 0 ? 0 : -1 }),
  };
  const older = p.o >= 0;
  const n = older ? p.o + p.l : p.o - p.l;
  if (older ? n < total : -n < total) {
    nav.next = { href: queryString(p, { o: n }), label: p.r ? `[<= ${min}%]` : older ? '(older)' : '(newer)' };
  }
  if (older ? p.o > 0 : p.o < -1) {
    nav.join = (older ? n < total : -n < total) ? ' | ' : '\t';
    const o = older ? Math.max(0, p.o - p.l) : Math.min(0, p.o + p.l);
    nav.prev = { href: queryString(p, { o }), label: p.r ? `[>= ${max}%]` : older ? '(newer)' : '(older)' };
  }
  return nav;
}

function summaryRows(hits: SearchHit[], p: SearchParams, total: number): SummaryRow[] {
  const pad = String(total).length;
  const seen = new Set<string>();
  const rows: SummaryRow[] = [];
  hits.forEach((h, i) => {
    if (seen.has(h.row.mid)) return;
    seen.add(h.row.mid);
    rows.push({
      rank: String((p.o < 0 ? -(p.o + 1) : p.o) + i + 1).padStart(pad, ' '),
      href: midHref(h.row.mid),
      subject: h.row.subject || '(no subject)',
      indent: ' '.repeat(pad),
      from: h.row.fromNames,
      date: fmtTs(h.row.ds),
      percent: h.percent ?? 99,
    });
  });
  return rows;
}

function pageFrame(ib: InboxView, p: SearchParams, tMax?: number): Frame {
  return frame(ib, '', {
    title: `${p.q} - search results`,
    tMax,
    atomHref: `?${queryString(p, { x: 'A', r: false })}`,
    query: p.q,
    // the search form keeps the order and view the results page has
    hidden: [...(p.r ? [{ name: 'r', value: undefined }] : []), ...(p.x ? [{ name: 'x', value: p.x }] : [])],
  });
}

const NOTHING = { error: undefined, empty: false, top: undefined, rows: undefined, entries: undefined };

export function searchPage(
  site: Site,
  index: SearchIndex,
  ib: InboxView,
  p: SearchParams,
  now: number,
  base: string,
): SearchOutcome {
  let retried: string | undefined;
  let params = p;
  for (;;) {
    let result: ReturnType<SearchIndex['search']>;
    try {
      const tree = parseQuery(params.q, now);
      const asc = params.o < 0;
      result = index.search(tree, {
        scope: ib.scope,
        relevance: params.r,
        ascending: asc,
        collapse: params.t && params.x !== 't',
        offset: asc ? -(params.o + 1) : params.o,
        limit: params.l,
      });
    } catch (err) {
      if (err instanceof SearchOverBudget) throw err; // not the query's fault: the handler answers 503
      const error = err instanceof QueryError ? err.message : 'the query could not be run';
      return { kind: 'html', status: 400, html: render('search', { ...NOTHING, frame: pageFrame(ib, params), error }) };
    }
    if (!result.total && retried === undefined && params.q.includes('%')) {
      retried = params.q;
      params = { ...params, q: midUnescape(params.q) };
      continue;
    }
    if (!result.total) {
      const shown = retried !== undefined ? { ...params, q: retried } : params;
      return {
        kind: 'html',
        status: 404,
        html: render('search', { ...NOTHING, frame: pageFrame(ib, shown), empty: true }),
      };
    }
    if (params.x === 'A') {
      const feed = atomFeed(site, {
        inbox: ib,
        base,
        messages: result.hits.map((h) => h.row),
        updated: site.reader.newestTs(ib.scope) ?? 0,
        feed: {
          kind: 'search',
          query: params.q,
          selfQuery: queryString(params),
          htmlQuery: queryString(params, { x: '' }),
        },
      });
      return { kind: 'atom', body: feed! };
    }
    const pcts = result.hits.map((h) => h.percent ?? 99);
    const tMax = Math.max(...result.hits.map((h) => h.row.ts));
    const model: SearchPage = {
      ...NOTHING,
      frame: pageFrame(ib, params, tMax),
      top: navTop(params, retried),
      bottom: navBottom(params, result.hits.length, result.total, pcts),
    };
    if (params.x === 't') {
      // the nested view: every result in full, then the matches as a thread overview
      model.entries = result.hits
        .map((h) => messageEntry(site, h.row, { upfx: '', relevance: h.percent ?? 99 }))
        .filter((e): e is MessageEntry => !!e);
      const layout = layoutThread(
        result.hits.map((h) => h.row),
        undefined,
        () => new Map(),
      );
      model.skeleton = renderSkeleton(layout, { upfx: '', anchors: true }).html;
    } else model.rows = summaryRows(result.hits, params, result.total);
    return { kind: 'html', status: 200, html: render('search', model) };
  }
}
