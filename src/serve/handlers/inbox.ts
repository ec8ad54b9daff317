// What inbox-wide URLs answer: the inbox list, an inbox's topics (or its search), its feed,
// description, help texts, stylesheets and all.mbox.gz.
import { inboxBase, type RequestContext } from '../router.js';
import { html, plain, redirect, type Page } from '../response.js';
import { listingPage } from '../pages/listing.js';
import { indexPage, recentWindow } from '../pages/inbox-index.js';
import { atomFeed } from '../pages/atom.js';
import { textPage, textOf, TEXT_KEYS, type TextKey } from '../pages/text.js';
import { mboxGzStream, STREAM_BATCH } from '../mbox-download.js';
import { render, staticFile } from '../templates.js';
import { DIFF2HTML_CSS } from '../../html/side-by-side.js';
import { searchInbox } from './search.js';
import type { InboxView } from '../site.js';
import { ANY_INBOX } from '../response-cache.js';
import { inboxTags } from '../pages/tags.js';

/** Feeds carry the newest 25 messages (public-inbox's feedmax). */
const FEED_MAX = 25;

const STYLESHEETS: Record<string, Buffer> = {
  'lorekeeper.css': staticFile('lorekeeper.css'),
  'diff2html.css': DIFF2HTML_CSS,
};

export const listing = (ctx: RequestContext): Page => ({ ...html(listingPage(ctx.site)), tags: [ANY_INBOX] });

/** Our stylesheets: the only thing pages load besides themselves (CSP style-src 'self'). */
export function stylesheet(name: string): Page | undefined {
  const css = Object.hasOwn(STYLESHEETS, name) ? STYLESHEETS[name] : undefined;
  return (
    css && {
      status: 200,
      type: 'text/css',
      body: css,
      headers: { 'Cache-Control': 'public, max-age=31536000' },
      tags: [],
    }
  );
}

export const toInboxRoot = (ctx: RequestContext, ib: InboxView): Page => ({
  ...redirect(301, inboxBase(ctx, ib), ctx.rawQuery),
  tags: [],
});

/** The topics, or with ?q= the search (a POST then is a search download). */
export function inboxIndex(ctx: RequestContext, ib: InboxView): Page {
  if (ctx.query.has('q')) return searchInbox(ctx, ib);
  const page = indexPage(ctx.site, ib, ctx.query.get('t') ?? '');
  return { ...html(page.html, page.status), tags: page.tags };
}

export function inboxFeed(ctx: RequestContext, ib: InboxView): Page {
  const { messages } = recentWindow(ctx.site, ib, ctx.query.get('t') ?? '', FEED_MAX);
  const feed = atomFeed(ctx.site, {
    inbox: ib,
    base: inboxBase(ctx, ib),
    feed: { kind: 'inbox' },
    messages,
    updated: ctx.site.reader.newestTs(ib.scope) ?? 0,
  });
  return feed === undefined
    ? plain(404, 'No feed found for thread\n')
    : { status: 200, type: 'application/atom+xml', body: feed, tags: inboxTags(ib) };
}

export const description = (_ctx: RequestContext, ib: InboxView): Page => ({
  ...plain(200, ib.description + '\n'),
  tags: inboxTags(ib),
});

/** `_/text/KEY/` as a page, `_/text/KEY/raw` as text; `_/text/` and `_/text/help` go to the help page. */
export function textPages(ctx: RequestContext, ib: InboxView, rest: string | undefined): Page {
  if (rest === undefined || rest === '' || rest === 'help') return redirect(302, `${inboxBase(ctx, ib)}_/text/help/`);
  const k = /^([a-z]+)\/(raw)?$/.exec(rest);
  if (!k || !(TEXT_KEYS as readonly string[]).includes(k[1])) return html(render('text-not-found', { rest }), 404);
  const key = k[1] as TextKey;
  const [base, repos] = [inboxBase(ctx, ib), ctx.site.repos(ib)];
  const page = k[2] ? plain(200, textOf(key, ib, base, repos)) : html(textPage(key, ib, base, repos));
  return { ...page, tags: inboxTags(ib) };
}

/** Everything the inbox holds, oldest first, streamed. */
export function allMbox(ctx: RequestContext, ib: InboxView): Page {
  const reader = ctx.site.reader;
  return mboxGzStream(
    reader,
    function* () {
      for (let batch = reader.numsAfter(ib.scope, 0, STREAM_BATCH); batch.length;) {
        yield batch;
        batch = reader.numsAfter(ib.scope, batch[batch.length - 1], STREAM_BATCH);
      }
    },
    'all',
  );
}
