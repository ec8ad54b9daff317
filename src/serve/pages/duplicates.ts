// /NAME/MID/d/ (views/duplicates.hbs): how the copies of one Message-ID differ (lore's "(diff)"
// link beside the warning).
import { createTwoFilesPatch } from 'diff';
import { render } from '../templates.js';
import { frame } from './frame.js';
import { renderUnifiedDiff } from '../../html/diff-html.js';
import type { LoadedMessage } from './loaded-message.js';
import type { InboxView } from '../site.js';

export function duplicatesPage(ib: InboxView, copies: LoadedMessage[]): string {
  const mid = copies[0].row.mid;
  const text = (m: LoadedMessage) => m.raw().toString('utf8').replace(/\r\n/g, '\n');
  return render('duplicates', {
    frame: frame(ib, '../../', { title: `${mid} - copies` }),
    mid,
    count: copies.length,
    several: copies.length > 1,
    diffs: copies.slice(1).map((m, i) => ({
      title: `copy 1 (#${copies[0].row.num}) and copy ${i + 2} (#${m.row.num})`,
      diff: renderUnifiedDiff(
        createTwoFilesPatch('copy 1', `copy ${i + 2}`, text(copies[0]), text(m), '', '', { context: 3 }),
      ),
    })),
  });
}
