// The header block atop a message (View::_msg_page_prepare_obuf): From, To/Cc folded at 72
// columns, Subject, Date, Message-ID and In-Reply-To, each escaped, ids linked.
import { asciiHtml } from './escape.js';

import type { DocHeaders } from '../mail/message-doc.js';
import { midPath } from './mid-path.js';
import { Html } from './html.js';
import { names } from '../mail/addresses.js';

const COLS = 72;

/** Fold an address list on commas before 72 columns, continuation lines tab-indented (fold_addresses). */
export function foldAddresses(v: string): string {
  if (v.length <= COLS) return v;
  const lim = COLS - 8;
  const s = v.replace(/\s+$/, '');
  const re = new RegExp(`(.{0,${lim}}\\W(?:,|$)|.{1,${lim}}(?:,|$)|.{1,${lim}}|.{${lim + 1},}?)(?:\\s|$)`, 'g');
  return [...s.matchAll(re)].map((m) => m[1]).join('\n\t');
}

/** `<mid>` links for every bracketed id in a raw header value (Linkify::linkify_mids). */
export function linkMids(value: string, prefix: string, withRaw: boolean): string {
  let out = '';
  let last = 0;
  for (const m of value.matchAll(/<([^>]+)>/g)) {
    out += asciiHtml(value.slice(last, m.index));
    const href = `${prefix}/${midPath(m[1])}/`;
    out += `&lt;<a\nhref="${href}">${asciiHtml(m[1])}</a>&gt;`;
    if (withRaw) out += ` (<a\nhref="${href}raw">raw</a>)`;
    last = m.index + m[0].length;
  }
  return out + asciiHtml(value.slice(last));
}

export interface HeaderBlockInput {
  h: DocHeaders;
  /** All Message-IDs the message answers to (Message-ID and X-Alt-Message-ID). */
  mids: string[];
  /** Last reference: shown as In-Reply-To when the header is missing. */
  inReplyTo?: string;
}

export function renderHeaderBlock({ h, mids, inReplyTo }: HeaderBlockInput): Html {
  let out = '';
  for (const v of h.from ?? []) if (v !== '') out += `From: ${asciiHtml(v)}\n`;
  for (const name of ['to', 'cc'] as const) {
    const label = name === 'to' ? 'To' : 'Cc';
    for (const v of h[name] ?? []) if (v !== '') out += `${label}: ${asciiHtml(foldAddresses(v))}\n`;
  }
  const subjects = h.subject ?? [];
  if (subjects.length) {
    out += `Subject: <a\nhref="#r"\nid=t>${asciiHtml(subjects[0])}</a>\n`;
    for (const v of subjects.slice(1)) out += `Subject: ${asciiHtml(v)}\n`;
  } else out += '<a\nhref="#r"\nid=t></a>';
  for (const v of h.date ?? []) out += `Date: ${asciiHtml(v)}\t<a\nhref="#r">[thread overview]</a>\n`;
  if (mids.length === 1) out += `Message-ID: &lt;${asciiHtml(mids[0])}&gt; (<a\nhref="raw">raw</a>)\n`;
  else {
    for (const v of h['message-id'] ?? []) out += `Message-ID: ${linkMids(v, '..', true)}\n`;
    for (const v of h['x-alt-message-id'] ?? []) out += `X-Alt-Message-ID: ${linkMids(v, '..', true)}\n`;
  }
  const irt = h['in-reply-to'];
  if (irt?.length) for (const v of irt) out += `In-Reply-To: ${linkMids(v, '..', false)}\n`;
  else if (inReplyTo !== undefined) {
    out += `In-Reply-To: &lt;<a\nhref="../${midPath(inReplyTo)}/">${asciiHtml(inReplyTo)}</a>&gt;\n`;
  }
  return new Html(out);
}

/** Names only, as thread pages show recipients: To and Cc on one line unless that is too long. */
export function recipientsLine(h: { to?: string[]; cc?: string[] }): Html {
  const to = foldAddresses(asciiHtml(names((h.to ?? []).join(',')).join(', ')));
  const cc = foldAddresses(asciiHtml(names((h.cc ?? []).join(',')).join(', ')));
  let out: string;
  if (to.length + cc.length > COLS) out = (to ? `  To: ${to}\n` : '') + (cc ? `  Cc: ${cc}\n` : '');
  else if (to) out = `  To: ${to}${cc ? `; <b>+Cc:</b> ${cc}` : ''}\n`;
  else out = cc ? `  Cc: ${cc}\n` : '\n';
  return new Html(out);
}
