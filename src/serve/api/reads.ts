// What the Patchwork API's GETs answer: the index, projects, series, patches (with their checks and
// comments), cover letters, people, users and events, each list filtered and paged as Patchwork's.
// Reads are public: a token, if sent, is not looked at (writes.ts does).
import type { Page } from '../response.js';
import { ANY_INBOX } from '../response-cache.js';
import { changeKey } from '../../store/change-log.js';
import { patchStates } from '../../store/patch-states.js';
import { checkById, checksOf, stateChangesFrom, apiUsers, type CheckRow } from '../../store/patch-checks.js';
import { EVENT_KIND, type ApiMessageRow, type Order } from '../../store/api-reader.js';
import { splitHeaderBody, HeaderBlock } from '../../mail/headers.js';
import { cleanSubject } from '../../mail/patchwork-subject.js';
import { loadMessage } from '../pages/loaded-message.js';
import { patchBody } from '../pages/series-model.js';
import { apiError, jsonPage, listPage, paging, type Paging } from './paging.js';
import { NOTHING, intValues, isoSeconds, listFilter, order, patchFilter, projectIds, stateFilter } from './filters.js';
import { Shapes, messageUrl, pwDate, type ApiContext, type Json } from './shapes.js';
import type { ApiQuery } from './query.js';

/** What a read handler is given: the store, the route's parameters, the query, its own absolute URL. */
export interface ReadRequest {
  c: ApiContext;
  params: Record<string, string>;
  query: ApiQuery;
  /** Absolute URL of the resource, without its query (Link headers repeat it). */
  self: string;
}

export type Read = (r: ReadRequest) => Page;

const BY_ID: Order = { by: 'id', desc: false };
const notFound = () => apiError(404, 'Not found.');
const invalidPage = () => apiError(404, 'Invalid page.');

/** Tags of an answer about these inboxes (every inbox when unfiltered): new mail there drops it. */
const inboxTags = (ids: number[] | undefined) => (ids ? ids.map(changeKey.inbox) : [ANY_INBOX]);

const tagged = (page: Page, tags: string[]): Page => ({ ...page, tags });

/** A list's page, or the empty first page when a filter names nothing. */
function paged(r: ReadRequest, p: Paging, items: unknown[], count: number, tags: string[]): Page {
  return tagged(listPage(items, count, p, { url: r.self, query: r.query }), tags);
}

const id = (r: ReadRequest, name = 'id') => (/^[0-9]{1,15}$/.test(r.params[name] ?? '') ? Number(r.params[name]) : NaN);

export const index: Read = (r) => {
  const base = new Shapes(r.c).base;
  const names = ['bundles', 'covers', 'events', 'patches', 'people', 'projects', 'users', 'series'];
  return tagged(jsonPage(200, Object.fromEntries(names.map((n) => [n, `${base}/${n}/`]))), [ANY_INBOX]);
};

export const projects: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const s = new Shapes(r.c);
  const all = s.allInboxes();
  return paged(
    r,
    p,
    all.slice(p.offset, p.offset + p.limit).map((i) => s.project(i, true)),
    all.length,
    [ANY_INBOX],
  );
};

export const project: Read = (r) => {
  const ids = projectIds(r.c, [r.params.id ?? '']);
  const s = new Shapes(r.c);
  const inbox = ids && ids !== NOTHING ? s.inbox(ids[0]) : undefined;
  return inbox ? tagged(jsonPage(200, s.project(inbox, true)), inboxTags([inbox.id])) : notFound();
};

export const seriesList: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const f = listFilter(r.c, r.query);
  if (f === NOTHING) return paged(r, p, [], 0, [ANY_INBOX]);
  const { rows, count } = r.c.api.seriesList(f, order(r.query, BY_ID), p);
  const s = new Shapes(r.c);
  s.knowPeople(rows.map((x) => x.authorAddr));
  return paged(
    r,
    p,
    rows.map((x) => s.series(x)),
    count,
    inboxTags(f.inboxIds),
  );
};

export const series: Read = (r) => {
  const row = r.c.api.series(id(r));
  return row ? tagged(jsonPage(200, new Shapes(r.c).series(row)), inboxTags([row.inboxId])) : notFound();
};

export const patchList: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const f = patchFilter(r.c, r.query);
  const states = stateFilter(r.query);
  if (f === NOTHING || states === NOTHING) return paged(r, p, [], 0, [ANY_INBOX]);
  const o = order(r.query, BY_ID);
  const s = new Shapes(r.c);
  const tags = inboxTags(f.inboxIds);
  if (!states) {
    const { rows, count } = r.c.api.patchList(f, o, p);
    return paged(r, p, s.patches(rows), count, tags);
  }
  // states are worked out, not stored: filter every matching patch by its state, then page
  const all = r.c.api.patchList(f, o).rows;
  const state = patchStates(
    r.c.db,
    all.map((m) => m.num),
  );
  const kept = all.filter((m) => states.has(state.get(m.num)?.state ?? 'new'));
  return paged(r, p, s.patches(kept.slice(p.offset, p.offset + p.limit)), kept.length, tags);
};

/** Patchwork's split of a patch mail: the text before the diff (diffstat included), and the diff. */
function contentAndDiff(body: string): { content: string; diff: string } {
  const m = /^(?:diff --git |--- \S.*\n\+\+\+ |Index: )/m.exec(body);
  return m ? { content: body.slice(0, m.index), diff: body.slice(m.index) } : { content: body, diff: '' };
}

/** A message's header fields, a field given several times as a list (PatchDetailSerializer.get_headers). */
function headersOf(raw: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of HeaderBlock.parse(splitHeaderBody(raw).header).fields) {
    const had = out[f.name];
    out[f.name] = had === undefined ? f.value : [...(Array.isArray(had) ? had : [had]), f.value];
  }
  return out;
}

function detail(r: ReadRequest, m: ApiMessageRow, shape: Json): Json {
  const loaded = loadMessage(r.c.site, m.num);
  const body = loaded ? patchBody(loaded) : '';
  return { ...shape, headers: loaded ? headersOf(loaded.raw()) : {}, ...contentAndDiff(body) };
}

export const patch: Read = (r) => {
  const m = r.c.api.patch(id(r));
  if (!m) return notFound();
  const shape = detail(r, m, new Shapes(r.c).patches([m])[0]);
  return tagged(jsonPage(200, { ...shape, prefixes: cleanSubject(m.subject).prefixes }), inboxTags([m.inboxId]));
};

export const coverList: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const f = patchFilter(r.c, r.query);
  if (f === NOTHING) return paged(r, p, [], 0, [ANY_INBOX]);
  const { rows, count } = r.c.api.coverList(f, order(r.query, BY_ID), p);
  return paged(r, p, new Shapes(r.c).covers(rows), count, inboxTags(f.inboxIds));
};

export const cover: Read = (r) => {
  const m = r.c.api.cover(id(r));
  if (!m) return notFound();
  const { diff, ...shape } = detail(r, m, new Shapes(r.c).covers([m])[0]);
  return tagged(
    jsonPage(200, { ...shape, content: `${shape.content as string}${diff as string}` }),
    inboxTags([m.inboxId]),
  );
};

/** Replies answering a patch or cover letter directly (Patchwork's comments), oldest first. */
function comments(r: ReadRequest, m: ApiMessageRow): Page {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const row = r.c.site.reader.message(m.num);
  const replies = row
    ? r.c.site.reader.threadInArrivalOrder(row, 'all', false).filter((x) => x.refs.at(-1) === m.mid)
    : [];
  const s = new Shapes(r.c);
  s.knowPeople(replies.map((x) => x.fromAddr));
  const items = replies.slice(p.offset, p.offset + p.limit).map((x) => {
    const loaded = loadMessage(r.c.site, x.num);
    const url = messageUrl(r.c.origin, s.inbox(x.inboxId)?.name ?? '', x.mid);
    return {
      id: x.num,
      web_url: url,
      msgid: `<${x.mid}>`,
      list_archive_url: url,
      date: pwDate(x.ds),
      subject: x.subject,
      submitter: s.person(
        r.c.api.people([x.fromAddr]).get(x.fromAddr) ?? { id: 0, email: x.fromAddr, name: x.fromNames },
      ),
      content: loaded ? patchBody(loaded) : '',
      headers: loaded ? headersOf(loaded.raw()) : {},
    };
  });
  return paged(r, p, items, replies.length, [changeKey.thread(row?.tid ?? 0)]);
}

export const patchComments: Read = (r) => {
  const m = r.c.api.patch(id(r));
  return m ? comments(r, m) : notFound();
};

export const coverComments: Read = (r) => {
  const m = r.c.api.cover(id(r));
  return m ? comments(r, m) : notFound();
};

export const checkList: Read = (r) => {
  const m = r.c.api.patch(id(r, 'patch_id'));
  if (!m) return notFound();
  const p = paging(r.query);
  if (!p) return invalidPage();
  const want = (name: string, v: string) => !r.query.get(name) || r.query.get(name)!.includes(v);
  const since = isoSeconds(r.query.get('since'));
  const before = isoSeconds(r.query.get('before'));
  const all = (checksOf(r.c.db, [m.num]).get(m.num) ?? []).filter(
    (c: CheckRow) =>
      want('state', c.state) &&
      want('context', c.context) &&
      (want('user', c.user) || want('user', String(c.userId))) &&
      since !== NOTHING &&
      before !== NOTHING &&
      (since === undefined || c.date >= since) &&
      (before === undefined || c.date < before),
  );
  const s = new Shapes(r.c);
  return paged(
    r,
    p,
    all.slice(p.offset, p.offset + p.limit).map((c) => s.check(c)),
    all.length,
    inboxTags([m.inboxId]),
  );
};

export const check: Read = (r) => {
  const c = checkById(r.c.db, id(r, 'check_id'));
  const m = c && c.num === id(r, 'patch_id') ? r.c.api.patch(c.num) : undefined;
  return c && m ? tagged(jsonPage(200, new Shapes(r.c).check(c)), inboxTags([m.inboxId])) : notFound();
};

export const people: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const words = r.query
    .get('q')
    ?.at(-1)
    ?.split(/[\s,]+/)
    .filter(Boolean);
  const { rows, count } = r.c.api.peopleList(words?.length ? words : undefined, p);
  const s = new Shapes(r.c);
  return paged(
    r,
    p,
    rows.map((x) => s.person(x, true)),
    count,
    [ANY_INBOX],
  );
};

export const person: Read = (r) => {
  const x = r.c.api.person(id(r));
  return x ? tagged(jsonPage(200, new Shapes(r.c).person(x, true)), [ANY_INBOX]) : notFound();
};

export const users: Read = (r) => {
  const p = paging(r.query);
  if (!p) return invalidPage();
  const q = r.query.get('q')?.at(-1)?.toLowerCase();
  const all = apiUsers(r.c.db).filter((u) => !q || u.name.toLowerCase().includes(q));
  const s = new Shapes(r.c);
  return paged(
    r,
    p,
    all.slice(p.offset, p.offset + p.limit).map((u) => s.user(u.id, u.name)),
    all.length,
    [ANY_INBOX],
  );
};

export const user: Read = (r) => {
  const u = apiUsers(r.c.db).find((x) => x.id === id(r));
  return u ? tagged(jsonPage(200, new Shapes(r.c).user(u.id, u.name)), [ANY_INBOX]) : notFound();
};

/** Bundles are Patchwork users' own lists of patches: there are none here. */
export const bundles: Read = (r) => {
  const p = paging(r.query);
  return p ? paged(r, p, [], 0, [ANY_INBOX]) : invalidPage();
};

export const events: Read = (r) => {
  // Patchwork pages events by 30, whatever ?per_page= says
  const p = paging(r.query, true);
  if (!p) return invalidPage();
  const inboxIds = projectIds(r.c, r.query.get('project'));
  const categories = r.query.get('category');
  const [seriesIds, patchNums, coverNums] = ['series', 'patch', 'cover'].map((k) => intValues(r.query.get(k)));
  const since = isoSeconds(r.query.get('since'));
  const before = isoSeconds(r.query.get('before'));
  const filters = [inboxIds, seriesIds, patchNums, coverNums, since, before];
  if (filters.includes(NOTHING) || categories?.some((c) => !(c in EVENT_KIND))) return paged(r, p, [], 0, [ANY_INBOX]);
  const o = order(r.query, { by: 'date', desc: true }, ['date']);
  const { rows, count } = r.c.api.eventList(
    {
      inboxIds: inboxIds as number[] | undefined,
      categories,
      seriesIds: seriesIds as number[] | undefined,
      patchNums: patchNums as number[] | undefined,
      coverNums: coverNums as number[] | undefined,
      since: since as number | undefined,
      before: before as number | undefined,
    },
    o.desc,
    p,
  );
  const s = new Shapes(r.c);
  const checkIds = rows.filter((e) => e.category === 'check-created').map((e) => e.ref!);
  const changeIds = rows.filter((e) => e.category === 'patch-state-changed').map((e) => e.ref!);
  const changes = changeIds.length ? stateChangesFrom(r.c.db, Math.min(...changeIds)) : [];
  const items = rows.map((e) =>
    s.event(e, {
      check: checkIds.includes(e.ref!) && e.category === 'check-created' ? checkById(r.c.db, e.ref!) : undefined,
      change: e.category === 'patch-state-changed' ? changes.find((x) => x.id === e.ref) : undefined,
    }),
  );
  return paged(r, p, items, count, inboxTags(inboxIds as number[] | undefined));
};
