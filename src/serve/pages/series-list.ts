// /NAME/series/ (views/series-list.hbs): series by latest activity with where each stands, 50 a
// page, paged with ?t=; ?state= shows only the series in one state.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { fmtTs } from '../../html/dates.js';
import { midHref } from '../../html/mid-path.js';
import { versionLabel, type SeriesContext } from './series-model.js';
import { checksSummary } from './checks.js';
import { PATCH_STATES, type PatchStateName, type SeriesState } from '../../store/patch-states.js';

const PAGE = 50;

/** A series' state as the list shows it: its state, and how many patches are in each when they differ. */
export function stateSummary(st: SeriesState | undefined): string {
  if (!st) return '';
  const counts = Object.entries(st.counts);
  return counts.length > 1 ? `${st.state} (${counts.map(([name, n]) => `${n} ${name}`).join(', ')})` : st.state;
}

export function seriesListPage(
  c: SeriesContext,
  before: number | undefined,
  state: PatchStateName | undefined,
): { status: number; html: string } {
  const from = before ?? Number.MAX_SAFE_INTEGER;
  const { rows, next } = state
    ? c.site.series.listInState(c.inbox.scope, state, from, PAGE + 1)
    : { rows: c.site.series.list(c.inbox.scope, from, PAGE + 1), next: undefined };
  const shown = rows.slice(0, PAGE);
  const states = c.site.series.seriesStates(shown.map((s) => s.id));
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
      state: stateSummary(states.get(s.id)),
    };
  });
  const older = rows.length > PAGE ? shown[shown.length - 1].ts - 1 : next;
  const query = (t?: number) =>
    `?${new URLSearchParams({ ...(state ? { state } : {}), ...(t ? { t: String(t) } : {}) })}`;
  return {
    // a state whose next older series lie past what one page looks at is still a page, not a 404
    status: shown.length || next !== undefined ? 200 : 404,
    html: render('series-list', {
      frame: frame(c.inbox, '../', { title: `patch series - ${c.inbox.description}` }),
      series,
      filters: [undefined, ...PATCH_STATES].map((name) => ({
        label: name ?? 'all',
        href: name ? `?state=${name}` : './',
        current: name === state,
      })),
      state,
      older: older !== undefined ? query(older) : undefined,
      latest: before !== undefined ? query() : undefined,
    }),
  };
}
