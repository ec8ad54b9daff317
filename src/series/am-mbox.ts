// An mbox `git am` applies, byte for byte as `b4 am` writes it: each patch passed through what
// `git mailinfo --scissors` does (in-body From:/Subject:/Date: become the headers), the collected
// trailers added, headers wrapped as b4 wraps them, framed with "From git@z" and no From-quoting
// (git am does not undo any).
import { bodyWithTrailers, afterScissors } from './am-message.js';
import { addressList } from '../mail/addresses.js';
import { decodeWords } from '../mail/codec.js';
import { parsePatchSubject } from '../mail/subject.js';
import type { Trailer } from '../mail/trailers.js';

export interface AmPatch {
  /** The patch's Subject header, decoded. */
  subject: string;
  /** Raw From and Date header values. */
  from: string;
  date: string;
  messageId: string;
  body: string;
  trailers: Trailer[];
  /** What b4 puts in the subject prefix. */
  tag: { rfc: boolean; version: number; versionGiven: boolean; counter: number; total: number; numbered: boolean };
}

/** b4's am subject: PATCH, RFC if it was one, vN unless v1 was implied, M/N unless unnumbered. */
export function amSubject(title: string, o: AmPatch['tag']): string {
  const parts = ['PATCH'];
  if (o.rfc) parts.push('RFC');
  if (o.versionGiven) parts.push(`v${o.version}`);
  if (o.numbered) parts.push(`${o.counter}/${o.total}`);
  return `[${parts.join(' ')}] ${title}`;
}

interface InBody {
  from?: string;
  subject?: string;
  date?: string;
  body: string;
}

/** git mailinfo's in-body headers: From:, Subject: and Date: lines opening the body. */
export function inBodyHeaders(body: string): InBody {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const found: InBody = { body };
  let any = false;
  for (;;) {
    const m = /^(From|Subject|Date):[ \t]*(.*)$/i.exec(lines[i] ?? '');
    if (!m) break;
    let value = m[2];
    i++;
    while (i < lines.length && /^[ \t]+\S/.test(lines[i])) value += ' ' + lines[i++].trim();
    found[m[1].toLowerCase() as 'from' | 'subject' | 'date'] = value.trim();
    any = true;
  }
  if (!any) return found;
  while (i < lines.length && lines[i].trim() === '') i++;
  return { ...found, body: lines.slice(i).join('\n') };
}

/** Characters that make a display name need quotes (RFC 5322 specials). */
const SPECIALS = /[()<>@,:;.\\"[\]]/;

/** An author as Python's formataddr writes it (b4's format_addrs): quoted, or RFC 2047 if not ASCII. */
function formatAuthor(raw: string): string {
  const a = addressList(raw)[0];
  if (!a) return decodeWords(raw).trim();
  const name = decodeWords(a.name).trim();
  if (!name || name === a.address) return a.address;
  if (!/^[\x00-\x7f]*$/.test(name)) return `=?utf-8?b?${Buffer.from(name, 'utf8').toString('base64')}?= <${a.address}>`;
  return SPECIALS.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}" <${a.address}>` : `${name} <${a.address}>`;
}

/**
 * b4's wrap_header for non-address headers: Python's textwrap at 75 columns, continuation lines
 * indented by one space, words never broken.
 */
export function wrapHeader(name: string, value: string, width = 75): string {
  const line = `${name}: ${value.replace(/[\r\n]+\s*/g, ' ')}`;
  if (line.length <= width) return line;
  const chunks = line.replace(': ', ':_').match(/\s+|\S+/g) ?? [];
  const out: string[] = [];
  let cur = '';
  for (const chunk of chunks) {
    const blank = /^\s/.test(chunk);
    const indent = out.length ? 1 : 0;
    if (blank && cur === '') continue;
    if (cur === '' || indent + cur.length + chunk.length <= width) cur += chunk;
    else {
      out.push(cur.trimEnd());
      cur = blank ? '' : chunk;
    }
  }
  if (cur.trim()) out.push(cur.trimEnd());
  return out
    .map((l, i) => (i ? ` ${l}` : l))
    .join('\n')
    .replace(':_', ': ');
}

function amMessage(p: AmPatch): string {
  const inBody = inBodyHeaders(afterScissors(p.body));
  const title =
    inBody.subject !== undefined ? parsePatchSubject(inBody.subject).title : parsePatchSubject(p.subject).title;
  const body = bodyWithTrailers(inBody.body, p.trailers);
  let out = 'From git@z Thu Jan  1 00:00:00 1970\n';
  out += wrapHeader('Subject', amSubject(title, p.tag)) + '\n';
  out += `From: ${formatAuthor(inBody.from ?? p.from)}\n`;
  out += wrapHeader('Date', (inBody.date ?? p.date).trim()) + '\n';
  out += `Message-Id: <${p.messageId}>\n`;
  out += 'MIME-Version: 1.0\nContent-Type: text/plain; charset="utf-8"\n';
  out += `Content-Transfer-Encoding: ${/^[\x00-\x7f]*$/.test(body) ? '7bit' : '8bit'}\n\n`;
  return out + (body.endsWith('\n') ? body : body + '\n') + '\n';
}

export function amMbox(patches: AmPatch[]): Buffer {
  return Buffer.from(patches.map(amMessage).join(''), 'utf8');
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

/** b4's file name stem: v7_20200910_yi_l_liu_vfio_expose_virtual_shared_virtual_addressing_to_vms. */
export function amFilename(s: {
  version: number;
  ds: number;
  author: string;
  authorAddr: string;
  title: string;
}): string {
  const day = new Date(s.ds * 1000).toISOString().slice(0, 10).replace(/-/g, '');
  const who = slug(s.author) || slug(s.authorAddr.split('@')[0]) || 'unknown';
  return `v${s.version}_${day}_${who}_${slug(s.title).slice(0, 60).replace(/_+$/, '') || 'series'}`;
}
