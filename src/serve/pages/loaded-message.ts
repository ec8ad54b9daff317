// A stored message as pages read it: its row, its reading model, and its raw bytes on demand;
// and what several pages ask of one (its ids, its parent, the copies sharing its Message-ID).
import { decodeDoc, type MessageDoc } from '../../mail/message-doc.js';
import { extractIds, uniqIds } from '../../mail/message-id.js';
import type { MessageRow } from '../../store/reader.js';
import { BODY_HTML_VERSION, finishBody, renderBody } from '../../html/body-html.js';
import type { Html } from '../../html/html.js';
import type { InboxView, Site } from '../site.js';

export interface LoadedMessage {
  row: MessageRow;
  doc: MessageDoc;
  raw: () => Buffer;
  /** The body as the ingest rendered it, if it did with this renderer. */
  bodyHtml: () => string | undefined;
}

/** A stored message with its reading model; the raw bytes are read only if a part needs them. */
export function loadMessage(site: Site, num: number): LoadedMessage | undefined {
  const row = site.reader.message(num);
  return row && withDoc(site, row);
}

/** loadMessage for a row read already (a thread's): the row is not read again. */
export function withDoc(site: Site, row: MessageRow): LoadedMessage | undefined {
  const num = row.num;
  const docBuf = site.reader.doc(num);
  if (!docBuf) return undefined;
  let raw: Buffer | undefined;
  return {
    row,
    doc: decodeDoc(docBuf),
    raw: () => (raw ??= site.reader.raw(num)!),
    bodyHtml: () => site.reader.bodyHtml(num, BODY_HTML_VERSION),
  };
}

/**
 * The message's body on a page where its URL is `href`: the one rendered at ingest, finished for the
 * page, or rendered now where there is none (or it cannot be finished for this URL).
 */
export function bodyOf(m: LoadedMessage, href: string): Html {
  const stored = m.bodyHtml();
  return (stored !== undefined && finishBody(stored, href)) || renderBody(m.doc.parts, m.raw, href);
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
