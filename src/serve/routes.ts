// Every URL lorekeeper answers, in the order they are tried, top to bottom: public-inbox's URLs
// (its WWW.pm regex ladder, whose order decides what a path means) and the series pages.
//
// They are matched here on the raw, still percent-encoded path rather than by Fastify's router,
// because a Message-ID is any string: an id may hold '/', '%', '?' or a malformed escape and must
// still reach its page or the not-found page (Fastify refuses a malformed escape with a 400 before
// any route sees it); an id may also read like one of an inbox's fixed names, and a handler may
// decline a path (an unknown inbox) so that a later pattern tries it, which a router that picks
// one route per path cannot do.
//
// Not here: git's smart HTTP (/NAME/N, /NAME/N.git, /NAME/git/N.git, /_/admin.git) and the
// manifests (/manifest.js.gz, /NAME/manifest.js.gz). Their URLs have fixed shapes without a
// Message-ID, so app.ts lets them through to Fastify's own router, whose routes git-http.ts lists.
import { INBOX, MID, type Route, type RequestContext, type Target, target } from './router.js';
import type { Page } from './response.js';
import type { InboxView } from './site.js';
import * as inbox from './handlers/inbox.js';
import * as msg from './handlers/message.js';
import * as thread from './handlers/thread.js';
import * as search from './handlers/search.js';
import * as series from './handlers/series.js';
import { toMessage, toOwningInbox } from './handlers/redirects.js';
import { slashedMid, MID_ENDS } from './slashed-mid.js';
import type { PostRule } from './router.js';

const re = (pattern: string) => new RegExp(`^${pattern}$`);

/** A URL of the site as a whole. */
const site = (pattern: RegExp | Route['re'], handler: Route['handler'], post?: PostRule): Route => ({
  re: pattern,
  handler,
  post,
});

/** A URL of an inbox: the first capture names it; unknown names pass to later patterns. */
const forInbox = (
  pattern: string,
  handler: (ctx: RequestContext, ib: InboxView, m: RegExpExecArray) => Page | undefined,
  post?: PostRule,
): Route => ({
  re: re(pattern),
  handler: (ctx, m) => {
    const ib = ctx.site.inbox(m[1]);
    return ib && handler(ctx, ib, m);
  },
  post,
});

/** A URL of a message: the captures name the inbox and the Message-ID. */
const forMessage = (
  pattern: string | Route['re'],
  handler: (ctx: RequestContext, t: Target, m: RegExpExecArray) => Page | undefined,
  post?: PostRule,
): Route => ({
  re: typeof pattern === 'string' ? re(pattern) : pattern,
  handler: (ctx, m) => {
    const t = target(ctx, m[1], m[2]);
    return t && handler(ctx, t, m);
  },
  post,
});

/** Legacy URL forms of public-inbox before 1.0, each redirected to today's form with this suffix. */
const legacy = (pattern: RegExp, suffix: (m: RegExpExecArray) => string) =>
  forMessage(pattern, (ctx, t, m) => toMessage(ctx, t.inbox, m[2], suffix(m)));

export const ROUTES: Route[] = [
  site(/^\/$/, inbox.listing),
  site(/^\/_\/([\w-]+\.css)$/, (_ctx, m) => inbox.stylesheet(m[1])),
  forInbox(`/${INBOX}`, inbox.toInboxRoot),
  forInbox(`/${INBOX}/(?:index\\.html)?`, inbox.inboxIndex, search.postsSearch),
  forInbox(`/${INBOX}/(?:atom\\.xml|new\\.atom)`, inbox.inboxFeed),
  forInbox(`/${INBOX}/description`, inbox.description),
  forInbox(`/${INBOX}/_/([\\w-]+\\.css)`, (_ctx, _ib, m) => inbox.stylesheet(m[2])),
  forInbox(`/${INBOX}/_/text(?:/(.*))?`, (ctx, ib, m) => inbox.textPages(ctx, ib, m[2])),
  forInbox(`/${INBOX}/all\\.mbox\\.gz`, inbox.allMbox),

  // series URLs before message URLs: /NAME/series/ would otherwise read as a Message-ID
  forInbox(`/${INBOX}/series/`, series.seriesList),
  forMessage(`/${INBOX}/${MID}/series/`, series.series),
  forMessage(`/${INBOX}/${MID}/series\\.json`, series.seriesJsonFile),
  forMessage(`/${INBOX}/${MID}/series\\.mbox`, series.seriesMboxFile),
  forMessage(`/${INBOX}/${MID}/patch\\.mbox`, series.patchMboxFile),
  forMessage(`/${INBOX}/${MID}/series\\.atom`, series.seriesFeed),

  forMessage(`/${INBOX}/${MID}/raw`, msg.raw),
  forMessage(`/${INBOX}/${MID}/(?:f/)?`, msg.message),
  forMessage(`/${INBOX}/${MID}/side-by-side/`, msg.sideBySide),
  forMessage(`/${INBOX}/${MID}/d/`, msg.duplicates),
  // an attachment takes POST: the button of the deep-linking page
  forMessage(
    `/${INBOX}/${MID}/([0-9][0-9.]*)-([a-zA-Z0-9][a-zA-Z0-9_.-]+[a-zA-Z0-9])`,
    (ctx, t, m) => msg.attachment(ctx, t, m[3]),
    true,
  ),

  forMessage(`/${INBOX}/${MID}/([tT])/`, (ctx, t, m) => thread.thread(ctx, t, m[3] === 'T')),
  forMessage(`/${INBOX}/${MID}/t\\.mbox(?:\\.gz)?`, thread.threadMbox),
  forMessage(`/${INBOX}/${MID}/t\\.atom`, thread.threadAtom),
  // POST /NAME/MID/?x=m: lei q -T and liblore's thread updates (GETs were answered above)
  forMessage(`/${INBOX}/${MID}/`, search.searchThread, search.postsThreadSearch),

  forMessage(`/${INBOX}/${MID}/([tT])`, (ctx, t, m) => toMessage(ctx, t.inbox, m[2], `${m[3]}/#u`)),
  forMessage(`/${INBOX}/${MID}/R/?`, (ctx, t, m) => toMessage(ctx, t.inbox, m[2], '#R')),
  forMessage(`/${INBOX}/${MID}/f`, (ctx, t, m) => toMessage(ctx, t.inbox, m[2])),
  // any other single segment of two or more characters is taken as a Message-ID
  forMessage(`/${INBOX}/([^/]{2,})`, (ctx, t, m) => toMessage(ctx, t.inbox, m[2])),

  legacy(/^\/([\w-][\w.-]*)\/m\/(\S+)\/$/, () => ''),
  legacy(/^\/([\w-][\w.-]*)\/m\/(\S+)\/raw$/, () => 'raw'),
  legacy(/^\/([\w-][\w.-]*)\/f\/(\S+)\/$/, () => ''),
  legacy(/^\/([\w-][\w.-]*)\/t\/(\S+)\/$/, () => 't/#u'),
  legacy(/^\/([\w-][\w.-]*)\/t\/(\S+)\/mbox(\.gz)?$/, (m) => `t.mbox${m[3] ?? ''}`),
  legacy(/^\/([\w-][\w.-]*)\/m\/(\S+)\.html$/, () => ''),
  legacy(/^\/([\w-][\w.-]*)\/t\/(\S+)\.html$/, () => 't/#u'),
  legacy(/^\/([\w-][\w.-]*)\/f\/(\S+)\.html$/, () => ''),
  legacy(/^\/([\w-][\w.-]*)\/(?:m|f)\/(\S+)\.txt$/, () => 'raw'),
  legacy(/^\/([\w-][\w.-]*)\/t\/(\S+)(\.mbox(?:\.gz)?)$/, (m) => `t${m[3]}`),
  legacy(/^\/([\w-][\w.-]*)\/m\/(\S+)$/, () => ''),
  legacy(/^\/([\w-][\w.-]*)\/t\/(\S+)$/, () => 't/#u'),
  legacy(/^\/([\w-][\w.-]*)\/f\/(\S+)$/, () => ''),

  // a Message-ID with an unescaped '/' still works for its pages
  forMessage(slashedMid(MID_ENDS), (ctx, t, m) => byEnd(ctx, t, m[3])),
  forMessage(slashedMid(['t', 'T']), (ctx, t, m) => toMessage(ctx, t.inbox, m[2], `${m[3]}/#u`)),

  site(/^\/r\/([^/]+)\/?$/, (ctx, m) => toOwningInbox(ctx, m[1])),
  site(/^\/([^/]+)\/?$/, (ctx, m) => (ctx.site.inbox(m[1]) ? undefined : toOwningInbox(ctx, m[1]))),
];

/** The pages of a Message-ID path whatever form it took: END is '', raw, t/, T/, t.mbox(.gz) or t.atom. */
function byEnd(ctx: RequestContext, t: Target, end: string): Page {
  switch (end) {
    case '':
      return msg.message(ctx, t);
    case 'raw':
      return msg.raw(ctx, t);
    case 't/':
    case 'T/':
      return thread.thread(ctx, t, end === 'T/');
    case 't.atom':
      return thread.threadAtom(ctx, t);
    default:
      return thread.threadMbox(ctx, t);
  }
}
