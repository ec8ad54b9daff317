// The frame every inbox page shares (views/partials/head, top, footer): title, stylesheets,
// the description linking back to the index, the search form and the footer.
import { ts2str } from '../../html/dates.js';
import type { InboxView } from '../site.js';

export interface Frame {
  title: string;
  /** Relative prefix back to the inbox root: '', '../', '../../'. */
  upfx: string;
  description: string;
  /** Where the description links to, if anywhere. */
  descriptionHref?: string;
  atomHref: string;
  cssHref: string;
  /** A second stylesheet some pages need (diff2html's). */
  extraCssHref?: string;
  formAction: string;
  /** The search box's value on results pages. */
  query?: string;
  /** Hidden inputs the search form carries on results pages (order and view). */
  hidden: { name: string; value?: string }[];
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
  hidden?: Frame['hidden'];
}

export function frame(ib: InboxView, upfx: string, opts: FrameOptions = {}): Frame {
  let descriptionHref: string | undefined;
  if (opts.tMax !== undefined) descriptionHref = `${upfx}?t=${ts2str(opts.tMax)}`;
  else if (opts.paged) descriptionHref = './';
  else if (upfx) descriptionHref = upfx;
  return {
    title: opts.title ?? ib.description,
    upfx,
    description: ib.description,
    descriptionHref,
    atomHref: opts.atomHref ?? `${upfx}new.atom`,
    cssHref: `${upfx}_/lorekeeper.css`,
    extraCssHref: opts.diff2html ? `${upfx}_/diff2html.css` : undefined,
    formAction: upfx || './',
    query: opts.query || undefined,
    hidden: opts.hidden ?? [],
    allInboxes: ib.all,
  };
}
