// One message as thread pages and nested search results show it (views/partials/message-entry.hbs,
// View::eml_entry): subject, sender and date, recipients, the body, and a footer of links.
import { fmtTs } from '../../html/dates.js';

import { recipientsLine } from '../../html/message-headers.js';
import { midHref } from '../../html/mid-path.js';
import { EMPTY_HTML, type Html } from '../../html/html.js';
import { midAnchor } from '../../mail/message-id.js';
import { names } from '../../mail/addresses.js';
import type { MessageRow } from '../../store/reader.js';
import { bodyOf, withDoc } from './loaded-message.js';
import type { Site } from '../site.js';

export interface MessageEntry {
  anchor: string;
  href: string;
  subject: string;
  /** The requested message's subject is underlined and anchored (#u). */
  underline: boolean;
  /** Rows around the message, from the thread overview. */
  overview: Html;
  from: string;
  date: string;
  recipients: Html;
  body: Html;
  /** Thread pages link the flat and nested views and the message's place in the overview. */
  threadLinks?: { flat: boolean; label: string };
  /** Search pages print the relevance instead. */
  relevance?: number;
}

export interface EntryOptions {
  /** Prefix from the page back to the inbox root ('../../' on thread pages, '' on search pages). */
  upfx: string;
  underline?: boolean;
  overview?: Html;
  threadLinks?: MessageEntry['threadLinks'];
  relevance?: number;
}

export function messageEntry(site: Site, m: MessageRow, o: EntryOptions): MessageEntry | undefined {
  const loaded = withDoc(site, m);
  if (!loaded) return undefined;
  const href = `${o.upfx}${midHref(m.mid)}/`;
  return {
    anchor: midAnchor(m.mid),
    href,
    subject: m.subject || '(no subject)',
    underline: !!o.underline,
    overview: o.overview ?? EMPTY_HTML,
    from: names((loaded.doc.h.from ?? []).join(',')).join(', '),
    date: fmtTs(m.ds),
    recipients: recipientsLine(loaded.doc.h),
    body: bodyOf(loaded, href),
    threadLinks: o.threadLinks,
    relevance: o.relevance,
  };
}
