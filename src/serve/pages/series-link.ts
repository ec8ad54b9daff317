// The line that leads from a message or thread page to the patch series it belongs to
// (views/partials/series-link.hbs).
import type { MessageRow } from '../../store/reader.js';
import type { Site } from '../site.js';

export interface SeriesLink {
  href: string;
  /** `[PATCH v7 0/16] title` */
  label: string;
  /** `complete`, or how many patches of how many arrived; then how many versions, if several. */
  state: string;
  /** The version chain it is in (what the page depends on). */
  chain: number;
}

/** The series the message belongs to, for `patch series: [v7 0/16] title (complete, 3 versions)`. */
export function seriesLink(site: Site, m: MessageRow, href: string): SeriesLink | undefined {
  const s = site.series.forMessage(m.num, m.tid, m.inboxId);
  if (!s) return undefined;
  const versions = site.series.chain(s).length;
  const state = s.complete ? 'complete' : `${s.present} of ${s.total} patches`;
  return {
    href,
    label: `[PATCH v${s.version} 0/${s.total}] ${s.title}`,
    state: `${state}${versions > 1 ? `, ${versions} versions` : ''}`,
    chain: s.chain,
  };
}
