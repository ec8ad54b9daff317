// The page for a Message-ID we do not hold here (public-inbox's ExtMsg): other inboxes that hold
// it, partial matches, and other archives to try; 300 when it suggests something, else 404.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { html, type Page } from '../response.js';
import { asciiHtml } from '../html/escape.js';
import { midEscape } from '../../mail/message-id.js';
import type { RequestContext, Target } from '../router.js';
import type { InboxView } from '../site.js';
import { midPath } from '../html/mid-path.js';

/** Shorter ids match too much to be worth guessing at. */
const MIN_PARTIAL_LEN = 16;
const PARTIAL_MAX = 100;

const EXTERNAL_SITES = [
  '//marc.info/?i=%s',
  '//www.mail-archive.com/search?l=mid&q=%s',
  'nntp://news.gmane.io/%s',
  'https://lists.debian.org/msgid-search/%s',
  '//docs.FreeBSD.org/cgi/mid.cgi?db=mid&id=%s',
  'https://www.w3.org/mid/%s',
  'http://www.postgresql.org/message-id/%s',
  'https://lists.debconf.org/cgi-lurker/keyword.cgi?doc-url=/lurker&format=en.html&query=id:%s',
];

/** Ids that may be what was meant (ExtMsg::search_partial): prefixes, then the id's words. */
function partialMatches(ctx: RequestContext, ib: InboxView, mid: string): string[] {
  if (mid.length < MIN_PARTIAL_LEN) return [];
  const r = ctx.site.reader;
  const prefixes = [mid];
  const chop = /(\W+)(\w*)$/.exec(mid);
  if (chop) {
    const base = mid.slice(0, chop.index);
    if (chop[2]) prefixes.push(base + chop[1]);
    prefixes.push(base);
  }
  for (const p of prefixes) {
    const found = r.midsWithPrefix(p, ib.scope, PARTIAL_MAX).filter((m) => m !== mid);
    if (found.length) return found;
  }
  if (/\w{9,}/.test(mid)) {
    const words = mid.match(/\w{3,}/g) ?? [];
    const tries = words[words.length - 1].length > 8 ? [false, true] : [false];
    for (const lastIsPrefix of tries) {
      const found = r.midsWithWords(words, lastIsPrefix, ib.scope, PARTIAL_MAX).filter((m) => m !== mid);
      if (found.length) return found;
    }
  }
  return [];
}

function externalSites(ctx: RequestContext, mid: string): string {
  if (!mid.includes('@')) return '';
  const scheme = ctx.origin.split(':')[0];
  let out = '\nPerhaps try an external site:\n\n';
  for (const site of EXTERNAL_SITES) {
    const u = asciiHtml(site.startsWith('//') ? `${scheme}:${site}` : site);
    out += `<a\nhref="${u.replace('%s', asciiHtml(midEscape(mid)))}">${u.replace('%s', asciiHtml(mid))}</a>\n`;
  }
  return out;
}

export function notFoundPage(ctx: RequestContext, t: Target): Page {
  const { inbox: ib, mid } = t;
  const midHtml = asciiHtml(mid);
  const href = midPath(mid);
  const ext = externalSites(ctx, mid);
  const elsewhere = ib.all ? [] : ctx.site.inboxesWithMid(mid).filter((n) => n !== ib.name);
  let text: string;
  let title: string;
  let status: number;
  if (elsewhere.length) {
    const where = elsewhere.length === 1 ? 'another inbox' : 'other inboxes';
    title = `<${mid}> found in ${where}`;
    text =
      `Message-ID: &lt;${midHtml}&gt;\nfound in ${where}:\n\n` +
      elsewhere
        .map(
          (n) =>
            `<a\nhref="${asciiHtml(`${ctx.origin}/${n}/`)}${href}/">${asciiHtml(`${ctx.origin}/${n}/`)}${midHtml}/</a>\n`,
        )
        .join('') +
      ext;
    status = elsewhere.length === 1 && ext === '' ? 200 : 300;
  } else {
    title = `<${mid}> not found`;
    text = `Message-ID &lt;${midHtml}&gt;\nnot found\n`;
    const partial = partialMatches(ctx, ib, mid);
    status = 404;
    if (partial.length) {
      status = 300;
      const n = partial.length === PARTIAL_MAX ? `${PARTIAL_MAX}+` : String(partial.length);
      text += `\n${n} partial match${partial.length === 1 ? '' : 'es'} found:\n\n`;
      const base = `${ctx.origin}/${ib.name}/`;
      for (const m of partial) text += `<a\nhref="${asciiHtml(base + midEscape(m))}/">${asciiHtml(base + m)}/</a>\n`;
    }
    if (ext) {
      text += ext;
      status = 300;
    }
  }
  // suggestions for any id anyone types: computed per request, never kept
  return { ...html(render('not-found', { frame: frame(ib, '../', { title }), textHtml: text }), status), cache: false };
}
