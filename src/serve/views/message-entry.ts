// One message as thread pages, search results and new.html show it (View::eml_entry): subject,
// sender and date, recipients, the body, and a footer of links.
import { asciiHtml } from '../html/escape.js';
import { fmtTs } from '../html/dates.js';
import { renderBody } from '../html/body-html.js';
import { foldAddresses } from '../html/message-headers.js';
import { midAnchor } from '../../mail/message-id.js';
import { names } from '../../mail/addresses.js';
import type { MessageRow } from '../../store/reader.js';
import { loadMessage } from './message-page.js';
import type { Site } from '../site.js';
import { midPath } from '../html/mid-path.js';

const COLS = 72;

/** Names only, as thread pages show recipients: To and Cc on one line unless that is too long. */
function recipients(h: { to?: string[]; cc?: string[] }): string {
  const to = foldAddresses(asciiHtml(names((h.to ?? []).join(',')).join(', ')));
  const cc = foldAddresses(asciiHtml(names((h.cc ?? []).join(',')).join(', ')));
  if (to.length + cc.length > COLS) return (to ? `  To: ${to}\n` : '') + (cc ? `  Cc: ${cc}\n` : '');
  if (to) return `  To: ${to}${cc ? `; <b>+Cc:</b> ${cc}` : ''}\n`;
  return cc ? `  Cc: ${cc}\n` : '\n';
}

export interface EntryOptions {
  /** Prefix from the page back to the inbox root ('../../' on thread pages, '' on search pages). */
  upfx: string;
  /** The requested message's subject is underlined and anchored (#u). */
  underline: boolean;
  /** Rows around the message, from the thread overview. */
  overviewHtml: string;
  /** Appended to the footer after the reply link. */
  footerHtml: string;
}

export function messageEntry(site: Site, m: MessageRow, o: EntryOptions): string {
  const loaded = loadMessage(site, m.num);
  if (!loaded) return '';
  const id = midAnchor(m.mid);
  const mhref = `${o.upfx}${midPath(m.mid)}/`;
  let subj = `<b>${asciiHtml(m.subject || '(no subject)')}</b>`;
  if (o.underline) subj = `<u\nid=u>${subj}</u>`;
  return (
    `<a\nhref=#e${id}\nid=m${id}>*</a> ${subj}\n${o.overviewHtml}` +
    `From: ${asciiHtml(names((loaded.doc.h.from ?? []).join(',')).join(', '))} @ ${fmtTs(m.ds)} UTC (<a\nhref="${mhref}">permalink</a> / <a\nhref="${mhref}raw">raw</a>)\n` +
    recipients(loaded.doc.h) +
    '\n' +
    renderBody(loaded.doc.parts, loaded.raw, mhref) +
    `\n<a\nhref=#m${id}\nid=e${id}>^</a> <a\nhref="${mhref}">permalink</a> <a\nhref="${mhref}raw">raw</a> <a\nhref="${mhref}#R">reply</a>${o.footerHtml}`
  );
}
