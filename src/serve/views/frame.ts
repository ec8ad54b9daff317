// The frame every HTML page shares: title, description link, search form and footer.
import { asciiHtml } from '../html/escape.js';
import { ts2str } from '../html/dates.js';
import type { InboxView } from '../site.js';

export interface Frame {
  titleHtml: string;
  /** Relative prefix back to the inbox root: '', '../', '../../'. */
  upfx: string;
  descHtml: string;
  atomHref: string;
  cssHref: string;
  /** A second stylesheet some pages need (diff2html's), or ''. */
  extraCssHref: string;
  formAction: string;
  queryValueHtml: string;
  /** Hidden inputs the search form carries on results pages. */
  extraFormHtml: string;
  allInboxes: boolean;
}

export interface FrameOptions {
  title?: string;
  /** Newest arrival shown on the page: the description links to the index around it. */
  tMax?: number;
  /** The page itself is a ?t= index page. */
  paged?: boolean;
  atomHref?: string;
  query?: string;
  /** The page lays out diffs side by side with diff2html's stylesheet. */
  diff2html?: boolean;
}

export function frame(ib: InboxView, upfx: string, opts: FrameOptions = {}): Frame {
  const desc = asciiHtml(ib.description);
  let descHtml = `<b>${desc}</b>`;
  if (opts.tMax !== undefined) descHtml = `<a\nhref="${upfx}?t=${ts2str(opts.tMax)}">${descHtml}</a>`;
  else if (opts.paged) descHtml = `<a\nhref="./">${descHtml}</a>`;
  else if (upfx) descHtml = `<a\nhref="${upfx}">${descHtml}</a>`;
  return {
    titleHtml: asciiHtml(opts.title ?? ib.description),
    upfx,
    descHtml,
    atomHref: opts.atomHref ?? `${upfx}new.atom`,
    cssHref: `${upfx}_/lorekeeper.css`,
    extraCssHref: opts.diff2html ? `${upfx}_/diff2html.css` : '',
    formAction: upfx || './',
    queryValueHtml: opts.query ? `\nvalue="${asciiHtml(opts.query)}"` : '',
    extraFormHtml: '',
    allInboxes: ib.all,
  };
}
