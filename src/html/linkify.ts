// URLs in mail text become links (public-inbox's Linkify): only well-known schemes, trailing
// punctuation left outside, and placeholders that mail text cannot forge.
import { randomBytes } from 'node:crypto';
import { asciiHtml } from './escape.js';
import { Html } from './html.js';

const LINK_RE =
  /([('!])?\b((?:ftps?|https?|nntps?|imaps?|s?news|gopher):\/\/[@:\w.-]+(?:\/(?:[a-z0-9\-._~!$&';()*+,;=:@/%]*)(?:\?[a-z0-9\-._~!$&';()*+,;=:@/%]+)?(?:#[a-z0-9\-._~!$&';()*+,;=:@/%?]+)?)?)/gi;

/** A closing quote or bracket that belongs to the text around a URL, not to the URL. */
const PAIRS: Record<string, RegExp> = {
  '(': /(\)[.,;+]?)$/,
  "'": /('[.,;+]?)$/,
  '!': /(![.,;+]?)$/,
};

/** Per-process salt: placeholders survive escaping and cannot be forged by whoever wrote the mail. */
const SALT = randomBytes(8).toString('hex');
const PLACEHOLDER = new RegExp(`LKLINK${SALT}_(\\d+)_`, 'g');

/** Escape text for HTML, turning URLs into links. */
export function linkify(text: string): string {
  if (!text.includes('://')) return asciiHtml(text);
  const urls: string[] = [];
  const marked = text.replace(LINK_RE, (_m, beg: string | undefined, url: string) => {
    let end = '';
    const pair = beg ? PAIRS[beg] : undefined;
    if (pair) {
      const m = pair.exec(url);
      if (m) {
        end = m[1];
        url = url.slice(0, -end.length);
      }
    } else {
      const m = /(\))?([.,;])$/.exec(url);
      if (m) {
        url = url.slice(0, -m[0].length);
        end = m[2];
        if (m[1]) {
          if (url.includes('(')) url += ')';
          else end = ')' + end;
        }
      } else if (!url.includes('(') && url.endsWith(')')) {
        url = url.slice(0, -1);
        end = ')';
      }
    }
    urls.push(url);
    return `${beg ?? ''}LKLINK${SALT}_${urls.length - 1}_${end}`;
  });
  return asciiHtml(marked).replace(PLACEHOLDER, (_m, i: string) => {
    const url = asciiHtml(urls[Number(i)]);
    return `<a\nhref="${url}">${url}</a>`;
  });
}

/** Plain text (a help page) as HTML, URLs linked. */
export function linkifiedText(text: string): Html {
  return new Html(linkify(text));
}
