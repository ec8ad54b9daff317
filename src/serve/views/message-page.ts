// The message page /NAME/MID/: every copy of the Message-ID, then navigation, the thread overview
// and reply instructions (View::msg_page and html_footer).
import { render } from '../templates.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { fmtTs, ts2str } from '../html/dates.js';
import { renderBody } from '../html/body-html.js';
import { renderHeaderBlock } from '../html/message-headers.js';
import { layoutThread, renderSkeleton, looseNote } from '../html/skeleton.js';
import { decodeDoc, type MessageDoc } from '../../mail/message-doc.js';
import { extractIds, uniqIds } from '../../mail/message-id.js';
import { names } from '../../mail/addresses.js';
import { computeReply } from '../../mail/reply.js';
import { seriesLinkHtml } from './series-link.js';
import { THREAD_PAGE_LIMIT, type MessageRow } from '../../store/reader.js';
import type { InboxView, Site } from '../site.js';
import { midPath } from '../html/mid-path.js';

export const SKEL_EXPAND =
  'expand[<a\nhref="T/#u">flat</a>|<a\nhref="t/#u">nested</a>]  <a\nhref="t.mbox.gz">mbox.gz</a>  <a\nhref="t.atom">Atom feed</a>';

export interface LoadedMessage {
  row: MessageRow;
  doc: MessageDoc;
  raw: () => Buffer;
}

/** A stored message with its reading model; the raw bytes are read only if a part needs them. */
export function loadMessage(site: Site, num: number): LoadedMessage | undefined {
  const row = site.reader.message(num);
  const docBuf = site.reader.doc(num);
  if (!row || !docBuf) return undefined;
  let raw: Buffer | undefined;
  return { row, doc: decodeDoc(docBuf), raw: () => (raw ??= site.reader.raw(num)!) };
}

/** Every id the message answers to, from its Message-ID and X-Alt-Message-ID headers. */
export function idsOf(m: LoadedMessage): string[] {
  const ids = uniqIds(extractIds([...(m.doc.h['message-id'] ?? []), ...(m.doc.h['x-alt-message-id'] ?? [])]));
  return ids.length ? ids : [m.row.mid];
}

/** The message it answers: its last reference that is not one of its own ids (View::in_reply_to). */
export function parentOf(m: LoadedMessage): string | undefined {
  const own = new Set(idsOf(m));
  return [...m.row.refs].reverse().find((r) => !own.has(r));
}

/** The copies shown for a Message-ID: all stored ones, except later ones with identical content. */
export function copiesOf(site: Site, ib: InboxView, mid: string): LoadedMessage[] {
  const out: LoadedMessage[] = [];
  for (const num of site.reader.numsByMid(mid, ib.scope)) {
    const m = loadMessage(site, num);
    if (!m) continue;
    if (out.length && m.row.chash && out[0].row.chash?.equals(m.row.chash)) continue;
    out.push(m);
  }
  return out;
}

function ghostParent(upfx: string, mid: string): string {
  return `[parent not found: &lt;<a\nhref="${upfx}${midPath(mid)}/">${asciiHtml(mid)}</a>&gt;]`;
}

const link = (mid: string, rel: string | null, text: string) =>
  `<a\nhref="../${midPath(mid)}/"${rel ? `\nrel=${rel}` : ''}>${text}</a>`;

/** The git send-email arguments one per line, as public-inbox prints them, and the mailto link. */
export function replyModel(reply: ReturnType<typeof computeReply>): { argsHtml: string; mailtoHtml: string } {
  return {
    argsHtml: asciiHtml(['', ...reply.args, '/path/to/YOUR_REPLY'].join(' \\\n    ')),
    mailtoHtml: asciiHtml(reply.mailto),
  };
}

export function messagePage(site: Site, ib: InboxView, mid: string): string | undefined {
  const copies = copiesOf(site, ib, mid);
  if (!copies.length) return undefined;
  const first = copies[0];
  const h = first.doc.h;
  const mhref = copies.length > 1 ? `../${midPath(first.row.mid)}/` : '';
  const subject = h.subject?.[0] ?? '';
  const title = `${subject || '(no subject)'} - ${names(h.from?.[0] ?? '').join(', ')}`;

  const parent = parentOf(first);
  const thread = site.reader.thread(first.row, ib.scope);
  let overviewHtml: string;
  let next: string | undefined;
  let prev: string | undefined;
  if (thread.count <= 1) {
    overviewHtml =
      parent !== undefined
        ? `${SKEL_EXPAND}\n ${ghostParent('../', parent)}\n`
        : `<a\nid=r>[no followups]</a> ${SKEL_EXPAND}\n`;
  } else {
    const layout = layoutThread(thread.members, first.row.mid, (mids) => site.reader.messagesByMids(mids, ib.scope));
    const skel = renderSkeleton(layout, {
      current: first.row.mid,
      currentSubject: subject,
      upfx: '../',
      note: looseNote(thread.count, THREAD_PAGE_LIMIT),
    });
    overviewHtml = `${thread.count}+ messages / ${SKEL_EXPAND}  <a\nhref="#b">top</a>\n${skel.html}`;
    next = skel.next;
    prev = skel.prev;
  }
  // absent links become spaces so the others stay aligned
  let prevHtml = '    ';
  let parentHtml = parent !== undefined ? ' ' + link(parent, prev === undefined ? 'prev' : null, 'parent') : '       ';
  if (prev !== undefined && prev === parent) {
    prevHtml = link(prev, 'prev', 'prev parent');
    parentHtml = '';
  } else if (prev !== undefined) prevHtml = link(prev, 'prev', 'prev');
  const nav = `${next !== undefined ? link(next, 'next', 'next') : '    '} ${prevHtml}${parentHtml} `;

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
  return render('message', {
    frame: frame(ib, '../', { title, tMax: first.row.ts }),
    copies: copies.map((m, i) => ({
      duplicate: i > 0,
      headersHtml: renderHeaderBlock({ h: m.doc.h, mids: idsOf(m), inReplyTo: parentOf(m) }),
      bodyHtml: renderBody(m.doc.parts, m.raw, mhref),
    })),
    diffHref: 'd/',
    navHtml: nav,
    otherThreadsT: ts2str(first.row.ts),
    otherThreadsDate: fmtTs(first.row.ts),
    overviewHtml,
    seriesHtml: seriesLinkHtml(site, first.row, 'series/'),
    sideBySideHtml: site.reader.hasDiff(first.row.num) ? 'diffs: <a\nhref="side-by-side/">side by side</a>\n' : '',
    reply: replyModel(reply),
  });
}
