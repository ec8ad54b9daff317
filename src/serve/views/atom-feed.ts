// Atom feeds (WwwAtomStream): new messages of an inbox, or the messages of one thread, each entry
// carrying the message rendered as on its page.
import { createHash } from 'node:crypto';
import { asciiHtml } from '../html/escape.js';
import { isoTs } from '../html/dates.js';
import { renderBody } from '../html/body-html.js';
import { midEscape } from '../../mail/message-id.js';
import { emails, names } from '../../mail/addresses.js';
import type { MessageRow } from '../../store/reader.js';
import { loadMessage, parentOf } from './message-page.js';
import type { InboxView, Site } from '../site.js';

/** A pseudo-UUID from SHA-1, as public-inbox makes them (not an RFC 4122 version). */
export function toUuid(s: string): string {
  const h = createHash('sha1').update(s, 'utf8').digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A plain-text title. public-inbox marks a title with any entity type="html", which makes feed
 * readers render a subject like `<script>` as markup; as text, entities only stand for characters.
 */
function titleTag(title: string): string {
  return `<title>${asciiHtml(title.replace(/[\t\n ]+/g, ' '))}</title>`;
}

export type FeedKind =
  | { kind: 'inbox' }
  | { kind: 'thread'; mid: string }
  | { kind: 'search'; query: string; selfQuery: string; htmlQuery: string };

export interface FeedInput {
  inbox: InboxView;
  /** Absolute URL of the inbox, ending in '/'. */
  base: string;
  feed: FeedKind;
  messages: MessageRow[];
  /** Newest arrival in the inbox: the feed's <updated>. */
  updated: number;
}

function entry(site: Site, ib: InboxView, base: string, m: MessageRow): string {
  const loaded = loadMessage(site, m.num);
  if (!loaded) return '';
  const h = loaded.doc.h;
  const href = `${base}${asciiHtml(midEscape(m.mid))}/`;
  const parent = parentOf(loaded);
  const irt =
    parent !== undefined
      ? `<thr:in-reply-to\nref="${toUuid(parent)}"\nhref="${base}${asciiHtml(midEscape(parent))}/"/>`
      : '';
  const from = h.from?.[0] ?? ib.address ?? '';
  const email = asciiHtml(emails(from)[0] ?? ib.address ?? '');
  const subject = h.subject?.[0] || '(no subject)';
  return (
    `<entry><author><name>${asciiHtml(names(from).join(', '))}</name><email>${email}</email></author>` +
    `${titleTag(subject)}<updated>${isoTs(m.ts)}</updated><link\nhref="${href}"/><id>${toUuid(m.mid)}</id>${irt}` +
    `<content\ntype="xhtml"><div\nxmlns="http://www.w3.org/1999/xhtml"><pre\nstyle="white-space:pre-wrap">` +
    renderBody(loaded.doc.parts, loaded.raw, href) +
    '</pre></div></content></entry>'
  );
}

/** The whole feed document; undefined when there is nothing to put in it (a 404, as public-inbox does). */
export function atomFeed(site: Site, f: FeedInput): string | undefined {
  if (!f.messages.length) return undefined;
  let title: string;
  let alternate = f.base;
  let self: string;
  let id: string;
  if (f.feed.kind === 'thread') {
    title = titleTag(f.messages[0].subject || '(no subject)');
    self = `${f.base}${asciiHtml(midEscape(f.feed.mid))}/t.atom`;
    id = toUuid(`t\n${f.feed.mid}`);
  } else if (f.feed.kind === 'search') {
    title = titleTag(`${f.feed.query} - search results`);
    alternate = `${f.base}?${f.feed.htmlQuery}`;
    self = `${f.base}?${f.feed.selfQuery}`;
    id = toUuid(`q\n${f.feed.query}`);
  } else {
    title = titleTag(f.inbox.description);
    self = `${f.base}new.atom`;
    id = f.inbox.address ? `mailto:${asciiHtml(f.inbox.address)}` : toUuid(self);
  }
  return (
    '<?xml version="1.0" encoding="us-ascii"?>\n<feed\nxmlns="http://www.w3.org/2005/Atom"\nxmlns:thr="http://purl.org/syndication/thread/1.0">' +
    `${title}<link\nrel="alternate"\ntype="text/html"\nhref="${alternate}"/><link\nrel="self"\nhref="${self}"/><id>${id}</id><updated>${isoTs(f.updated)}</updated>` +
    f.messages.map((m) => entry(site, f.inbox, f.base, m)).join('') +
    '</feed>'
  );
}
