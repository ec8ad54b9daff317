// /NAME/MID/side-by-side/ (views/side-by-side.hbs): a message's diffs laid out in two columns by
// diff2html, under the message's subject and author, linked back to the message.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { fmtTs } from '../../html/dates.js';
import { sideBySideHtml } from '../../html/side-by-side.js';
import { names } from '../../mail/addresses.js';
import { copiesOf } from './loaded-message.js';
import { patchBody } from './series-model.js';
import type { InboxView, Site } from '../site.js';

export function sideBySidePage(site: Site, ib: InboxView, mid: string): string | undefined {
  const m = copiesOf(site, ib, mid)[0];
  if (!m) return undefined;
  const diffs = sideBySideHtml(patchBody(m));
  if (diffs === undefined) return undefined;
  const subject = m.doc.h.subject?.[0] ?? '(no subject)';
  return render('side-by-side', {
    frame: frame(ib, '../../', { title: `${subject} - side by side`, tMax: m.row.ts, diff2html: true }),
    subject,
    from: names(m.doc.h.from?.[0] ?? '').join(', '),
    date: fmtTs(m.row.ds),
    diffs,
  });
}
