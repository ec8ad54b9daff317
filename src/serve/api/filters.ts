// The Patchwork API's list filters read as django-filter reads them: a parameter given several
// times matches any of its values; a value naming nothing (an unknown project, a bad date) makes
// the list empty rather than an error, as Patchwork's filter backend does.
import type { ListFilter, Order, PatchFilter } from '../../store/api-reader.js';
import { PATCH_STATES, type PatchStateName } from '../../store/patch-states.js';
import type { ApiContext } from './shapes.js';
import type { ApiQuery } from './query.js';

/** A filter that can match nothing. */
export const NOTHING = Symbol('nothing');

const INT = /^[0-9]{1,15}$/;

/** Inbox ids from ids or names (Patchwork's project id or linkname, any case). */
export function projectIds(c: ApiContext, values: string[] | undefined): number[] | undefined | typeof NOTHING {
  if (!values) return undefined;
  const inboxes = c.site.reader.inboxes();
  const ids: number[] = [];
  for (const v of values) {
    const hit = inboxes.find((i) => (INT.test(v) ? i.id === Number(v) : i.name.toLowerCase() === v.toLowerCase()));
    if (!hit) return NOTHING;
    ids.push(hit.id);
  }
  return ids;
}

/** Sender addresses from person ids or email addresses (any case). */
function submitters(c: ApiContext, values: string[] | undefined): string[] | undefined | typeof NOTHING {
  if (!values) return undefined;
  const out: string[] = [];
  for (const v of values) {
    const found = INT.test(v) ? [c.api.person(Number(v))?.email].filter((e): e is string => !!e) : c.api.addresses(v);
    if (!found.length) return NOTHING;
    out.push(...found);
  }
  return out;
}

function ints(values: string[] | undefined): number[] | undefined | typeof NOTHING {
  if (!values) return undefined;
  return values.every((v) => INT.test(v)) ? values.map(Number) : NOTHING;
}

/** An ISO 8601 date-time (no zone: UTC) to Unix seconds. */
function isoSeconds(values: string[] | undefined): number | undefined | typeof NOTHING {
  const v = values?.at(-1);
  if (v === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  const t = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`) : NaN;
  return Number.isNaN(t) ? NOTHING : Math.floor(t / 1000);
}

/** Words of ?q= (DRF's SearchFilter: each must be in the name, any case). */
function words(values: string[] | undefined): string[] | undefined {
  const w = values
    ?.at(-1)
    ?.split(/[\s,]+/)
    .filter(Boolean);
  return w?.length ? w : undefined;
}

/** The filters every list takes; NOTHING when one of them names nothing. */
export function listFilter(c: ApiContext, q: ApiQuery): ListFilter | typeof NOTHING {
  const inboxIds = projectIds(c, q.get('project'));
  const subs = submitters(c, q.get('submitter'));
  const since = isoSeconds(q.get('since'));
  const before = isoSeconds(q.get('before'));
  if (inboxIds === NOTHING || subs === NOTHING || since === NOTHING || before === NOTHING) return NOTHING;
  return { inboxIds, submitters: subs, words: words(q.get('q')), since, before };
}

/** The filters of patches and cover letters: series, hashes, Message-IDs (without their brackets). */
export function patchFilter(c: ApiContext, q: ApiQuery): PatchFilter | typeof NOTHING {
  const base = listFilter(c, q);
  const seriesIds = ints(q.get('series'));
  const archived = q.get('archived')?.at(-1);
  // nothing is archived here: ?archived=true matches nothing, false everything
  if (base === NOTHING || seriesIds === NOTHING || (archived !== undefined && archived !== 'false')) return NOTHING;
  return {
    ...base,
    seriesIds,
    hashes: q.get('hash'),
    msgids: q.get('msgid')?.map((m) => m.replace(/^<(.*)>$/, '$1')),
  };
}

/** ?state= slugs (or Patchwork's names, any case, with spaces for dashes). */
export function stateFilter(q: ApiQuery): Set<PatchStateName> | undefined | typeof NOTHING {
  const values = q.get('state');
  if (!values) return undefined;
  const out = new Set<PatchStateName>();
  for (const v of values) {
    const slug = v.trim().toLowerCase().replace(/\s+/g, '-');
    const hit = PATCH_STATES.find((s) => s === slug);
    if (!hit) return NOTHING;
    out.add(hit);
  }
  return out;
}

export { ints as intValues, isoSeconds };

/** ?order=: id, date or name, `-` first for descending; anything else keeps the default. */
export function order(q: ApiQuery, fallback: Order, allowed: Order['by'][] = ['id', 'date', 'name']): Order {
  const v = q.get('order')?.at(-1) ?? '';
  const by = v.replace(/^-/, '') as Order['by'];
  return allowed.includes(by) ? { by, desc: v.startsWith('-') } : fallback;
}
