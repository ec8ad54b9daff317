// What a patch series' URLs answer: the list of an inbox's series, and for any message of a series
// its page, series.json, series.mbox (am-ready, trailers applied) and series.atom.
import { inboxBase, type RequestContext, type Target } from '../router.js';
import { html, plain, type Page } from '../response.js';
import { seriesOf, type SeriesContext } from '../pages/series-model.js';
import { seriesPage } from '../pages/series.js';
import { seriesJson } from '../pages/series-json.js';
import { seriesMbox } from '../pages/series-mbox.js';
import { seriesAtom } from '../pages/series-atom.js';
import { seriesListPage } from '../pages/series-list.js';
import { amFilename } from '../../series/am-mbox.js';
import type { SeriesRow } from '../../store/series-reader.js';
import type { InboxView } from '../site.js';
import { inboxTags } from '../pages/tags.js';
import { changeKey } from '../../store/change-log.js';
import { isPatchState, PATCH_STATES } from '../../store/patch-states.js';

const NO_SERIES = 'No patch series holds this message\n';

/**
 * A page of the series holding the message. It shows every version of the chain and the replies
 * in each version's thread: it depends on the chain and on each of those threads.
 */
function withSeries(ctx: RequestContext, t: Target, fn: (c: SeriesContext, s: SeriesRow) => Page): Page {
  const c = { site: ctx.site, inbox: t.inbox };
  const s = seriesOf(c, t.mid);
  if (!s) return plain(404, NO_SERIES);
  const tags = [changeKey.chain(s.chain), ...ctx.site.series.chain(s).map((v) => changeKey.thread(v.tid))];
  return { ...fn(c, s), tags };
}

/** ?vs=N asks for the interdiff against version N; anything else is ignored. */
function againstVersion(ctx: RequestContext): number | undefined {
  const vs = ctx.query.get('vs') ?? '';
  return /^\d{1,4}$/.test(vs) ? Number(vs) : undefined;
}

export function seriesList(ctx: RequestContext, ib: InboxView): Page {
  const t = ctx.query.get('t') ?? '';
  const state = ctx.query.get('state') ?? undefined;
  if (state !== undefined && !isPatchState(state))
    return plain(400, `Unknown state; a state is one of ${PATCH_STATES.join(', ')}\n`);
  const page = seriesListPage({ site: ctx.site, inbox: ib }, /^\d{1,12}$/.test(t) ? Number(t) : undefined, state);
  return { ...html(page.html, page.status), tags: inboxTags(ib) };
}

export const series = (ctx: RequestContext, t: Target): Page =>
  withSeries(ctx, t, (c, s) => html(seriesPage(c, s, againstVersion(ctx))));

export const seriesJsonFile = (ctx: RequestContext, t: Target): Page =>
  withSeries(ctx, t, (c, s) => ({ status: 200, type: 'application/json', body: seriesJson(c, s) }));

export const seriesMboxFile = (ctx: RequestContext, t: Target): Page =>
  withSeries(ctx, t, (c, s) => ({
    status: 200,
    type: 'application/mbox',
    body: seriesMbox(c, s),
    headers: { 'Content-Disposition': `inline; filename=${amFilename(s)}.mbx` },
  }));

/** One patch of the series, am-ready (the Patchwork API's patch mbox); 404 for a message that is no patch. */
export const patchMboxFile = (ctx: RequestContext, t: Target): Page => {
  const m = ctx.site.reader.messageByMid(t.mid, t.inbox.scope);
  const page = withSeries(ctx, t, (c, s) => {
    const patch = m && c.site.series.patches(s.id).find((p) => p.num === m.num);
    if (!patch) return plain(404, 'This message is no patch of a series\n');
    return {
      status: 200,
      type: 'application/mbox',
      body: seriesMbox(c, s, patch.num),
      headers: { 'Content-Disposition': `inline; filename=${amFilename(s)}_${patch.counter}.mbx` },
    };
  });
  return page.status === 200 ? page : { ...page, tags: undefined, cache: false };
};

export const seriesFeed = (ctx: RequestContext, t: Target): Page =>
  withSeries(ctx, t, (c, s) => ({
    status: 200,
    type: 'application/atom+xml',
    body: seriesAtom(c, s, inboxBase(ctx, c.inbox)),
  }));
