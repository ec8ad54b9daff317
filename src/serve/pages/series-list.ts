// /NAME/series/ (views/series-list.hbs): series by latest activity, 50 a page, paged with ?t=.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { fmtTs } from '../../html/dates.js';
import { midHref } from '../../html/mid-path.js';
import { versionLabel, type SeriesContext } from './series-model.js';
import { checksSummary } from './checks.js';

const PAGE = 50;

export function seriesListPage(c: SeriesContext, before: number | undefined): { status: number; html: string } {
  const rows = c.site.series.list(c.inbox.scope, before ?? Number.MAX_SAFE_INTEGER, PAGE + 1);
  const shown = rows.slice(0, PAGE);
  const chainSizes = new Map<number, number>();
  const series = shown.map((s) => {
    if (!chainSizes.has(s.chain)) chainSizes.set(s.chain, c.site.series.chain(s).length);
    const versions = chainSizes.get(s.chain)!;
    const checks = checksSummary(c.site.series.checks(c.site.series.patches(s.id).map((p) => p.num)).values());
    return {
      date: fmtTs(s.ts),
      href: midHref(s.mid),
      title: `[${versionLabel(s.version)}] ${s.title}`,
      summary:
        `${s.author}, ${s.present}/${s.total}${s.complete ? '' : ' incomplete'}${s.rfc ? ' RFC' : ''}, ` +
        `${s.reviews} review${s.reviews === 1 ? '' : 's'}${versions > 1 ? `, ${versions} versions` : ''}` +
        (checks ? `, ${checks}` : ''),
    };
  });
  return {
    status: shown.length ? 200 : 404,
    html: render('series-list', {
      frame: frame(c.inbox, '../', { title: `patch series - ${c.inbox.description}` }),
      series,
      older: rows.length > PAGE ? String(shown[shown.length - 1].ts - 1) : undefined,
      paged: before !== undefined,
    }),
  };
}
