// Reply instructions: who a reply goes to (public-inbox's Reply.pm), the `git send-email` arguments
// with every one of them quoted so a pasted command line can never run anything, and the mailto link.
import { emails } from './addresses.js';
import { midEscape } from './message-id.js';

export interface ReplyHeaders {
  /** First instance of each header, decoded; undefined when absent. */
  from?: string;
  to?: string;
  cc?: string;
  replyTo?: string;
  subject?: string;
  /** The first Message-ID header as written, brackets included. */
  messageIdRaw?: string;
}

export interface Reply {
  inReplyTo: string;
  to: string;
  cc: string[];
  subject: string;
  /** `git send-email` arguments, each already safe for a POSIX shell. */
  args: string[];
  mailto: string;
}

/**
 * Quote for a POSIX shell unless the value is plainly safe, as public-inbox's squote_maybe does,
 * but applied to every argument (public-inbox leaves --to/--cc bare, so `"$(cmd)"@host` would run).
 */
export function shellQuote(value: string): string {
  // control characters (C0 and C1) cannot be pasted faithfully; a newline would also end the command
  const v = value.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
  if (/^[\w@./,%+-]+$/.test(v)) return v;
  return `'${v.replace(/['!]/g, "'\\$&'")}'`;
}

/**
 * Percent-encoding of URI::Escape's uri_escape_utf8 with its default unsafe set: since URI 3.30
 * (public-inbox 1.9 runs on 5.17), everything but RFC 3986's unreserved characters (and `@` in the
 * mailto's address when `keepAt`).
 */
function uriEscape(s: string, keepAt: boolean): string {
  // encodeURIComponent (UTF-8, upper-case hex, as URI::Escape) keeps five more characters; a lone
  // surrogate, which it refuses, is U+FFFD in UTF-8 as Perl writes it
  const out = encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd')).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepAt ? out.replaceAll('%40', '@') : out;
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Everyone on From, To, Cc and Reply-To (first instance of each) is addressed: the first address,
 * lower-cased, is --to; the rest are --cc, sorted bytewise, each spelled as first seen. With
 * nobody at all, the list's own address.
 */
export function computeReply(h: ReplyHeaders, listAddress: string | null): Reply {
  let to: string | undefined;
  const cc = new Map<string, string>();
  const add = (address: string) => {
    const key = address.toLowerCase();
    if (!cc.has(key)) cc.set(key, address);
    to ??= key;
  };
  for (const v of [h.from, h.to, h.cc, h.replyTo]) if (v) for (const a of emails(v)) add(a);
  if (to === undefined && listAddress) add(listAddress);
  if (to !== undefined) cc.delete(to);
  const ccList = [...cc.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rawMid = h.messageIdRaw ?? '';
  const inReplyTo = /<([^>]+)>/.exec(rawMid)?.[1] ?? rawMid;
  const subj = h.subject ?? '';
  const subject = /\bRe:/i.test(subj) ? subj : `Re: ${subj}`;
  const args = [`--in-reply-to=${shellQuote(inReplyTo)}`];
  if (to !== undefined) args.push(`--to=${shellQuote(to)}`);
  for (const c of ccList) args.push(`--cc=${shellQuote(c)}`);
  args.push(`--subject=${shellQuote(subject)}`);
  const ccParam = ccList.length ? `&Cc=${uriEscape(ccList.join(','), false)}` : '';
  const mailto = `mailto:${uriEscape(to ?? '', true)}?In-Reply-To=${midEscape(rawMid)}${ccParam}&Subject=${uriEscape(subject, false)}`;
  return { inReplyTo, to: to ?? '', cc: ccList, subject, args, mailto };
}
