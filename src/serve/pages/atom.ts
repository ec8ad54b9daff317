// Atom feeds (views/atom.hbs, WwwAtomStream): new messages of an inbox, the messages of one
// thread, or search results, each entry carrying the message rendered as on its page.
import { createHash } from 'node:crypto';
import { render } from '../templates.js';
import { isoTs } from '../../html/dates.js';

import type { Html } from '../../html/html.js';
import { midEscape } from '../../mail/message-id.js';
import { emails, names } from '../../mail/addresses.js';
import type { MessageRow } from '../../store/reader.js';
import { bodyOf, parentOf, withDoc } from './loaded-message.js';
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
const titleText = (title: string) => title.replace(/[\t\n ]+/g, ' ');

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

interface AtomEntry {
  name: string;
  email: string;
  title: string;
  updated: string;
  href: string;
  id: string;
  inReplyTo?: { id: string; href: string };
  body: Html;
}

interface AtomFeed {
  title: string;
  alternate: string;
  self: string;
  id: string;
  updated: string;
  entries: AtomEntry[];
}

function entry(site: Site, ib: InboxView, base: string, m: MessageRow): AtomEntry | undefined {
  const loaded = withDoc(site, m);
  if (!loaded) return undefined;
  const h = loaded.doc.h;
  const href = `${base}${midEscape(m.mid)}/`;
  const parent = parentOf(loaded);
  const from = h.from?.[0] ?? ib.address ?? '';
  return {
    name: names(from).join(', '),
    email: emails(from)[0] ?? ib.address ?? '',
    title: titleText(h.subject?.[0] || '(no subject)'),
    updated: isoTs(m.ts),
    href,
    id: toUuid(m.mid),
    inReplyTo: parent !== undefined ? { id: toUuid(parent), href: `${base}${midEscape(parent)}/` } : undefined,
    body: bodyOf(loaded, href),
  };
}

/** The whole feed document; undefined when there is nothing to put in it (a 404, as public-inbox does). */
export function atomFeed(site: Site, f: FeedInput): string | undefined {
  if (!f.messages.length) return undefined;
  let title: string;
  let alternate = f.base;
  let self: string;
  let id: string;
  if (f.feed.kind === 'thread') {
    title = f.messages[0].subject || '(no subject)';
    self = `${f.base}${midEscape(f.feed.mid)}/t.atom`;
    id = toUuid(`t\n${f.feed.mid}`);
  } else if (f.feed.kind === 'search') {
    title = `${f.feed.query} - search results`;
    alternate = `${f.base}?${f.feed.htmlQuery}`;
    self = `${f.base}?${f.feed.selfQuery}`;
    id = toUuid(`q\n${f.feed.query}`);
  } else {
    title = f.inbox.description;
    self = `${f.base}new.atom`;
    id = f.inbox.address ? `mailto:${f.inbox.address}` : toUuid(self);
  }
  const model: AtomFeed = {
    title: titleText(title),
    alternate,
    self,
    id,
    updated: isoTs(f.updated),
    entries: f.messages.map((m) => entry(site, f.inbox, f.base, m)).filter((e): e is AtomEntry => !!e),
  };
  return render('atom', model);
}
