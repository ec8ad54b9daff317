// Patch series: /NAME/series/ (the list), and for any message of a series /NAME/MID/series/ (the
// page), series.json, series.mbox (am-ready, trailers applied) and series.atom.
import { route, INBOX, MID, target, inboxBase, type RequestContext } from '../router.js';
import { html, plain, type Page } from '../response.js';
import { seriesOf, type SeriesContext } from '../pages/series-model.js';
import { seriesPage } from '../pages/series.js';
import { seriesJson } from '../pages/series-json.js';
import { seriesMbox } from '../pages/series-mbox.js';
import { seriesAtom } from '../pages/series-atom.js';
import { seriesListPage } from '../pages/series-list.js';
import { amFilename } from '../../series/am-mbox.js';
import type { SeriesRow } from '../../store/series-reader.js';

const NO_SERIES = 'No patch series holds this message\n';

function withSeries(
  ctx: RequestContext,
  inboxName: string,
  midRaw: string,
  fn: (c: SeriesContext, s: SeriesRow) => Page,
): Page | undefined {
  const t = target(ctx, inboxName, midRaw);
  if (!t) return undefined;
  const c = { site: ctx.site, inbox: t.inbox };
  const s = seriesOf(c, t.mid);
  return s ? fn(c, s) : plain(404, NO_SERIES);
}

/** ?vs=N asks for the interdiff against version N; anything else is ignored. */
function againstVersion(ctx: RequestContext): number | undefined {
  const vs = ctx.query.get('vs') ?? '';
  return /^\d{1,4}$/.test(vs) ? Number(vs) : undefined;
}

route(new RegExp(`^/${INBOX}/series/$`), (ctx, m) => {
  const ib = ctx.site.inbox(m[1]);
  if (!ib) return undefined;
  const t = ctx.query.get('t') ?? '';
  const page = seriesListPage({ site: ctx.site, inbox: ib }, /^\d{1,12}$/.test(t) ? Number(t) : undefined);
  return html(page.html, page.status);
});

route(new RegExp(`^/${INBOX}/${MID}/series/$`), (ctx, m) =>
  withSeries(ctx, m[1], m[2], (c, s) => html(seriesPage(c, s, againstVersion(ctx)))),
);

route(new RegExp(`^/${INBOX}/${MID}/series\\.json$`), (ctx, m) =>
  withSeries(ctx, m[1], m[2], (c, s) => ({
    status: 200,
    type: 'application/json',
    body: seriesJson(c, s),
  })),
);

route(new RegExp(`^/${INBOX}/${MID}/series\\.mbox$`), (ctx, m) =>
  withSeries(ctx, m[1], m[2], (c, s) => ({
    status: 200,
    type: 'application/mbox',
    body: seriesMbox(c, s),
    headers: { 'Content-Disposition': `inline; filename=${amFilename(s)}.mbx` },
  })),
);

route(new RegExp(`^/${INBOX}/${MID}/series\\.atom$`), (ctx, m) =>
  withSeries(ctx, m[1], m[2], (c, s) => ({
    status: 200,
    type: 'application/atom+xml',
    body: seriesAtom(c, s, inboxBase(ctx, c.inbox)),
  })),
);
