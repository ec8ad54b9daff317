// The line that leads from a message or thread page to the patch series it belongs to.
import { asciiHtml } from '../html/escape.js';
import type { MessageRow } from '../../store/reader.js';
import type { Site } from '../site.js';

/** `patch series: [v7 16/16] title (complete, 3 versions)`, linked, or '' outside any series. */
export function seriesLinkHtml(site: Site, m: MessageRow, href: string): string {
  const s = site.series.forMessage(m.num, m.tid, m.inboxId);
  if (!s) return '';
  const versions = site.series.chain(s).length;
  const state = s.complete ? 'complete' : `${s.present} of ${s.total} patches`;
  return `patch series: <a\nhref="${href}">${asciiHtml(`[PATCH v${s.version} 0/${s.total}] ${s.title}`)}</a> (${state}${versions > 1 ? `, ${versions} versions` : ''})\n`;
}
