// Search results (SearchView): the summary list, the nested view with whole messages, Atom, and the
// page of an empty or bad query, with public-inbox's links for order, view, paging and downloads.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { fmtTs } from '../html/dates.js';
import { layoutThread, renderSkeleton } from '../html/skeleton.js';
import { midEscape, midUnescape } from '../../mail/message-id.js';
import { parseQuery, QueryError } from '../../search/query.js';
import type { SearchHit, SearchIndex } from '../../store/search-index.js';
import { SearchOverBudget } from '../../store/search-budget.js';
import type { InboxView, Site } from '../site.js';
import type { Query } from '../query.js';
import { messageEntry } from './message-entry.js';
import { atomFeed } from './atom-feed.js';

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

/** The query string for links (SearchQuery::qs_html): q with MID_ESC and '+' for spaces, HTML-escaped. */
export function qsHtml(p: SearchParams, over: Partial<SearchParams> = {}): string {
  const s = { ...p, ...over };
  let qs = `q=${midEscape(s.q).replace(/%20/g, '+')}`;
  if (s.o) qs += `&o=${s.o}`;
  if (s.l && s.l !== SEARCH_LIMIT) qs += `&l=${s.l}`;
  if (s.r) qs += '&r';
  if (s.t) qs += '&t';
  if (s.x === 't' || s.x === 'A' || s.x === 'm') qs += `&x=${s.x}`;
  return asciiHtml(qs);
}

export type SearchOutcome = { kind: 'html'; status: number; html: string } | { kind: 'atom'; body: string };

function navTop(p: SearchParams, retried: string | undefined): string {
  let out = `<form\nid=d\naction="?${qsHtml(p, { x: 'm', r: false, t: false })}"\nmethod=post><pre>`;
  if (retried !== undefined) {
    out += ` Warning: Initial query:\n <b>${asciiHtml(retried)}</b>\n returned no results, used:\n <b>${asciiHtml(p.q)}</b>\n instead\n\n`;
  }
  out +=
    'Search results ordered by [' +
    (p.r
      ? `<a\nhref="?${qsHtml(p, { r: false })}">date</a>|<b>relevance</b>`
      : `<b>date</b>|<a\nhref="?${qsHtml(p, { r: true })}">relevance</a>`);
  out += ']  view[';
  let pfx = '\t\t\t';
  if (p.x === 't') {
    out += `<a\nhref="?${qsHtml(p, { x: '' })}">summary</a>|<b>nested</b>`;
    pfx = 'thread overview <a\nhref=#t>below</a> | ';
  } else out += `<b>summary</b>|<a\nhref="?${qsHtml(p, { x: 't' })}">nested</a>`;
  out += `|<a\nhref="?${qsHtml(p, { x: 'A', r: false })}">Atom feed</a>]\n`;
  if (p.x !== 't' && p.t) out += '*** "t=1" collapses threads in summary, "full threads" requires mbox.gz ***\n';
  if (p.x === 'm') out += '*** "x=m" ignored for GET requests, use download buttons below ***\n';
  out += `${pfx}download mbox.gz: <input\ntype=submit\nname=z\nvalue="results only"/>|<input\ntype=submit\nname=x\nvalue="full threads"/>`;
  return out + '</pre></form><pre>';
}

function navBottom(p: SearchParams, shown: number, total: number, pcts: number[]): string {
  let out = '</pre><hr><pre id=t>';
  const off = p.o < 0 ? -(p.o + 1) : p.o;
  const beg = off + 1;
  const end = off + shown;
  out += beg <= end ? `Results ${beg}-${end} of ${total}` : `No more results, only ${total}`;
  let next: string | undefined;
  let prev: string | undefined;
  let nd = '';
  let pd = '';
  let join = '';
  const min = pcts.length ? Math.min(...pcts) : 0;
  const max = pcts.length ? Math.max(...pcts) : 0;
  if (p.o >= 0) {
    const n = p.o + p.l;
    if (n < total) {
      next = qsHtml(p, { o: n });
      nd = p.r ? `[&lt;= ${min}%]` : '(older)';
    }
    if (p.o > 0) {
      join = n < total ? ' | ' : '\t';
      prev = qsHtml(p, { o: Math.max(0, p.o - p.l) });
      pd = p.r ? `[&gt;= ${max}%]` : '(newer)';
    }
  } else {
    const n = p.o - p.l;
    if (-n < total) {
      next = qsHtml(p, { o: n });
      nd = p.r ? `[&lt;= ${min}%]` : '(newer)';
    }
    if (p.o < -1) {
      join = -n < total ? ' | ' : '\t';
      prev = qsHtml(p, { o: Math.min(0, p.o + p.l) });
      pd = p.r ? `[&gt;= ${max}%]` : '(older)';
    }
  }
  if (next) out += `  <a\nhref="?${next}"\nrel=next>next ${nd}</a>`;
  out += join;
  if (prev) out += `<a\nhref="?${prev}"\nrel=prev>prev ${pd}</a>`;
  return (
    out +
    ` | <a\nhref="?${qsHtml(p, { o: p.o < 0 ? 0 : -1 })}">reverse</a> | sort options + mbox downloads <a href=#d>above</a></pre>`
  );
}

function summary(hits: SearchHit[], p: SearchParams, total: number): string {
  const pad = String(total).length;
  const seen = new Set<string>();
  let out = '';
  hits.forEach((h, i) => {
    if (seen.has(h.row.mid)) return;
    seen.add(h.row.mid);
    const rank = String((p.o < 0 ? -(p.o + 1) : p.o) + i + 1).padStart(pad, ' ');
    out += `${rank}. <b><a\nhref="${asciiHtml(midEscape(h.row.mid))}/">${asciiHtml(h.row.subject) || '(no subject)'}</a></b>\n`;
    out += `${' '.repeat(pad)}  - by ${asciiHtml(h.row.fromNames)} @ ${fmtTs(h.row.ds)} UTC [${h.percent ?? 99}%]\n\n`;
  });
  return out;
}

/** The nested view: every result in full, then the matches as a thread overview. */
function nested(site: Site, hits: SearchHit[]): { entries: string; overview: string } {
  const skel = renderSkeleton(
    layoutThread(
      hits.map((h) => h.row),
      undefined,
      () => new Map(),
    ),
    { upfx: '', anchors: true },
  );
  const entries = hits.map((h) =>
    messageEntry(site, h.row, {
      upfx: '',
      underline: false,
      overviewHtml: '',
      footerHtml: `\t[relevance ${h.percent ?? 99}%]`,
    }),
  );
  return {
    entries: entries.join('</pre><hr><pre>'),
    overview: `<pre>-- links below jump to the message on this page --\n${skel.html}</pre>`,
  };
}

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
      if (err instanceof SearchOverBudget) throw err; // not the query's fault: the route answers 503
      const msg = err instanceof QueryError ? err.message : 'the query could not be run';
      const html = `<pre>\nBad query: <b>${asciiHtml(msg)}</b>\nSee <a\nhref="_/text/help/">_/text/help/</a> for help on using search</pre><hr>`;
      return { kind: 'html', status: 400, html: page(ib, params, html) };
    }
    if (!result.total && retried === undefined && params.q.includes('%')) {
      retried = params.q;
      params = { ...params, q: midUnescape(params.q) };
      continue;
    }
    if (!result.total) {
      return {
        kind: 'html',
        status: 404,
        html: page(
          ib,
          retried !== undefined ? { ...params, q: retried } : params,
          '<pre>\n[No results found]</pre><hr>',
        ),
      };
    }
    if (params.x === 'A') {
      const feed = atomFeed(site, {
        inbox: ib,
        base,
        messages: result.hits.map((h) => h.row),
        updated: site.reader.newestTs(ib.scope) ?? 0,
        feed: { kind: 'search', query: params.q, selfQuery: qsHtml(params), htmlQuery: qsHtml(params, { x: '' }) },
      });
      return { kind: 'atom', body: feed! };
    }
    const pcts = result.hits.map((h) => h.percent ?? 99);
    const tMax = Math.max(...result.hits.map((h) => h.row.ts));
    if (params.x === 't') {
      const n = nested(site, result.hits);
      const html =
        navTop(params, retried) + n.entries + navBottom(params, result.hits.length, result.total, pcts) + n.overview;
      return { kind: 'html', status: 200, html: page(ib, params, html, tMax) };
    }
    const html =
      navTop(params, retried) +
      summary(result.hits, params, result.total) +
      navBottom(params, result.hits.length, result.total, pcts);
    return { kind: 'html', status: 200, html: page(ib, params, html, tMax) };
  }
}

function page(ib: InboxView, p: SearchParams, bodyHtml: string, tMax?: number): string {
  const f = frame(ib, '', {
    title: `${p.q} - search results`,
    tMax,
    atomHref: `?${qsHtml(p, { x: 'A', r: false })}`,
    query: p.q,
  });
  // the search form keeps the order and view the results page has
  f.extraFormHtml =
    (p.r ? '<input\ntype=hidden\nname=r />' : '') +
    (p.x ? `<input\ntype=hidden\nname=x\nvalue="${asciiHtml(p.x)}" />` : '');
  return render('search', { frame: f, bodyHtml });
}
