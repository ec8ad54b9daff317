// /NAME/MID/d/: how the copies of one Message-ID differ (lore's "(diff)" link beside the warning).
import { createTwoFilesPatch } from 'diff';
import { render } from '../templates.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { renderUnifiedDiff } from '../html/diff-html.js';
import type { LoadedMessage } from './message-page.js';
import type { InboxView } from '../site.js';

export function duplicatesPage(ib: InboxView, copies: LoadedMessage[]): string {
  const mid = copies[0].row.mid;
  const text = (m: LoadedMessage) => m.raw().toString('utf8').replace(/\r\n/g, '\n');
  const diffs = copies.slice(1).map((m, i) => ({
    titleHtml: `copy 1 (#${copies[0].row.num}) and copy ${i + 2} (#${m.row.num})`,
    diffHtml: renderUnifiedDiff(
      createTwoFilesPatch('copy 1', `copy ${i + 2}`, text(copies[0]), text(m), '', '', { context: 3 }),
    ),
  }));
  const intro =
    copies.length > 1
      ? `${copies.length} messages have the Message-ID &lt;<a\nhref="../">${asciiHtml(mid)}</a>&gt;; how each differs from the first:`
      : `Only one message has the Message-ID &lt;<a\nhref="../">${asciiHtml(mid)}</a>&gt;.`;
  return render('duplicates', {
    frame: frame(ib, '../../', { title: `${mid} - copies` }),
    introHtml: `${intro}\n<a\nhref="../raw">raw</a> has every copy in one mbox`,
    diffs,
  });
}
