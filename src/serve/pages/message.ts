// The message page /NAME/MID/ (views/message.hbs): every copy of the Message-ID, then navigation,
// the thread overview and reply instructions (View::msg_page and html_footer).
import { render } from '../templates.js';
import { frame, type Frame } from './frame.js';
import { fmtTs, ts2str } from '../../html/dates.js';

import { renderHeaderBlock } from '../../html/message-headers.js';
import { layoutThread, renderSkeleton, looseNote } from '../../html/skeleton.js';
import { midHref } from '../../html/mid-path.js';
import type { Html } from '../../html/html.js';
import { names } from '../../mail/addresses.js';
import { computeReply } from '../../mail/reply.js';
import { seriesLink, type SeriesLink } from './series-link.js';
import { checksView, type ChecksView } from './checks.js';
import { midTags, threadTags } from './tags.js';
import { bodyOf, copiesOf, idsOf, parentOf } from './loaded-message.js';
import { THREAD_PAGE_LIMIT } from '../../store/reader.js';
import type { InboxView, Site } from '../site.js';

export interface ReplyModel {
  /** The git send-email arguments, one per line as public-inbox prints them. */
  args: string;
  mailto: string;
}

export function replyModel(reply: ReturnType<typeof computeReply>): ReplyModel {
  return { args: ['', ...reply.args, '/path/to/YOUR_REPLY'].join(' \\\n    '), mailto: reply.mailto };
}

interface MessagePage {
  frame: Frame;
  copies: { duplicate: boolean; headers: Html; body: Html }[];
  diffHref: string;
  nav: {
    next?: string;
    prev?: { href: string; label: string };
    parent?: { href: string; rel?: string };
    /** No parent at all: its place is kept with spaces so the other links stay aligned. */
    noParent: boolean;
  };
  otherThreadsT: string;
  otherThreadsDate: string;
  sideBySide: boolean;
  seriesLink?: SeriesLink;
  /** CI checks posted on the patch (through the Patchwork API). */
  checks?: ChecksView;
  /** The skeleton of a thread of several messages; else the missing parent, if any. */
  overview: { count: number; skeleton?: Html; ghostParent?: { upfx: string; href: string; mid: string } };
  reply: ReplyModel;
}

export function messagePage(site: Site, ib: InboxView, mid: string): { html: string; tags: string[] } | undefined {
  const copies = copiesOf(site, ib, mid);
  if (!copies.length) return undefined;
  const first = copies[0];
  const h = first.doc.h;
  const mhref = copies.length > 1 ? `../${midHref(first.row.mid)}/` : '';
  const subject = h.subject?.[0] ?? '';
  const parent = parentOf(first);
  const thread = site.reader.thread(first.row, ib.scope);
  let overview: MessagePage['overview'];
  let next: string | undefined;
  let prev: string | undefined;
  if (thread.count <= 1) {
    const ghostParent = parent !== undefined ? { upfx: '../', href: midHref(parent), mid: parent } : undefined;
    overview = { count: thread.count, skeleton: undefined, ghostParent };
  } else {
    const layout = layoutThread(thread.members, first.row.mid, (mids) => site.reader.messagesByMids(mids, ib.scope));
    const skel = renderSkeleton(layout, {
      current: first.row.mid,
      currentSubject: subject,
      upfx: '../',
      note: looseNote(thread.count, THREAD_PAGE_LIMIT),
    });
    overview = { count: thread.count, skeleton: skel.html, ghostParent: undefined };
    next = skel.next;
    prev = skel.prev;
  }
  // templates are strict: every field is present, undefined where there is nothing
  const nav: MessagePage['nav'] = {
    next: next === undefined ? undefined : midHref(next),
    prev: prev === undefined ? undefined : { href: midHref(prev), label: prev === parent ? 'prev parent' : 'prev' },
    parent:
      parent !== undefined && prev !== parent
        ? { href: midHref(parent), rel: prev === undefined ? 'prev' : undefined }
        : undefined,
    noParent: parent === undefined,
  };
  const reply = computeReply(
    {
      from: h.from?.[0],
      to: h.to?.[0],
      cc: h.cc?.[0],
      replyTo: h['reply-to']?.[0],
      subject,
      messageIdRaw: h['message-id']?.[0] ?? `<${first.row.mid}>`,
    },
    ib.address,
  );
  const model: MessagePage = {
    frame: frame(ib, '../', {
      title: `${subject || '(no subject)'} - ${names(h.from?.[0] ?? '').join(', ')}`,
      tMax: first.row.ts,
    }),
    copies: copies.map((m, i) => ({
      duplicate: i > 0,
      headers: renderHeaderBlock({ h: m.doc.h, mids: idsOf(m), inReplyTo: parentOf(m) }),
      body: bodyOf(m, mhref),
    })),
    diffHref: 'd/',
    nav,
    otherThreadsT: ts2str(first.row.ts),
    otherThreadsDate: fmtTs(first.row.ts),
    sideBySide: site.reader.hasDiff(first.row.num),
    seriesLink: seriesLink(site, first.row, 'series/'),
    checks: checksView(site.series.checks([first.row.num]).get(first.row.num)),
    overview,
    reply: replyModel(reply),
  };
  const series = model.seriesLink;
  // copies under its id (another may arrive in another thread) and its thread's overview
  return { html: render('message', model), tags: [...midTags(mid), ...threadTags(first.row, series?.chain)] };
}
