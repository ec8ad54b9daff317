// The page for a Message-ID we do not hold here (views/not-found.hbs, public-inbox's ExtMsg):
// other inboxes that hold it, partial matches, and other archives to try; 300 when it suggests
// something, else 404.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { html, type Page } from '../response.js';
import { midHref } from '../../html/mid-path.js';
import { midEscape } from '../../mail/message-id.js';
import type { RequestContext, Target } from '../router.js';
import type { InboxView } from '../site.js';

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

type Link = { href: string; label: string };

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

function externalSites(ctx: RequestContext, mid: string): Link[] {
  if (!mid.includes('@')) return [];
  const scheme = ctx.origin.split(':')[0];
  return EXTERNAL_SITES.map((site) => {
    const u = site.startsWith('//') ? `${scheme}:${site}` : site;
    return { href: u.replace('%s', midEscape(mid)), label: u.replace('%s', mid) };
  });
}

export function notFoundPage(ctx: RequestContext, t: Target): Page {
  const { inbox: ib, mid } = t;
  const external = externalSites(ctx, mid);
  const holders = ib.all ? [] : ctx.site.inboxesWithMid(mid).filter((n) => n !== ib.name);
  let elsewhere: { where: string; links: Link[] } | undefined;
  let partial: { count: string; plural: boolean; links: Link[] } | undefined;
  let status: number;
  let title: string;
  if (holders.length) {
    const where = holders.length === 1 ? 'another inbox' : 'other inboxes';
    title = `<${mid}> found in ${where}`;
    elsewhere = {
      where,
      links: holders.map((n) => ({
        href: `${ctx.origin}/${n}/${midHref(mid)}/`,
        label: `${ctx.origin}/${n}/${mid}/`,
      })),
    };
    status = holders.length === 1 && !external.length ? 200 : 300;
  } else {
    title = `<${mid}> not found`;
    const found = partialMatches(ctx, ib, mid);
    if (found.length) {
      const base = `${ctx.origin}/${ib.name}/`;
      partial = {
        count: found.length === PARTIAL_MAX ? `${PARTIAL_MAX}+` : String(found.length),
        plural: found.length !== 1,
        links: found.map((m) => ({ href: `${base}${midEscape(m)}/`, label: `${base}${m}/` })),
      };
    }
    status = partial || external.length ? 300 : 404;
  }
  const page = render('not-found', { frame: frame(ib, '../', { title }), mid, elsewhere, partial, external });
  // suggestions for any id anyone types: computed per request, never kept
  return { ...html(page, status), cache: false };
}
