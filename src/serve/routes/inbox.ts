// Inbox-wide URLs: /NAME/ (topics), new.atom, description, _/text/..., the stylesheet and all.mbox.gz.
import { route, INBOX, inboxBase } from '../router.js';
import { html, plain, redirect, type Page } from '../response.js';
import { indexPage, recentWindow } from '../pages/inbox-index.js';
import { atomFeed } from '../pages/atom.js';
import { textPage, textOf, TEXT_KEYS, type TextKey } from '../pages/text.js';
import { mboxGzStream, STREAM_BATCH } from '../mbox-download.js';
import { render, staticFile } from '../templates.js';
import { DIFF2HTML_CSS } from '../html/side-by-side.js';
import { searchInbox } from './search.js';

/** Feeds carry the newest 25 messages (public-inbox's feedmax). */
const FEED_MAX = 25;

const STYLESHEETS: Record<string, Buffer> = {
  'lorekeeper.css': staticFile('lorekeeper.css'),
  'diff2html.css': DIFF2HTML_CSS,
};

/** Our stylesheets: the only thing pages load besides themselves (CSP style-src 'self'). */
export function stylesheet(name: string): Page | undefined {
  const css = Object.hasOwn(STYLESHEETS, name) ? STYLESHEETS[name] : undefined;
  return css && { status: 200, type: 'text/css', body: css, headers: { 'Cache-Control': 'public, max-age=31536000' } };
}

route(/^\/_\/([\w-]+\.css)$/, (_ctx, m) => stylesheet(m[1]));

route(new RegExp(`^/${INBOX}$`), (ctx, m) => {
  if (!ctx.site.inbox(m[1])) return undefined;
  return redirect(301, `${ctx.origin}/${m[1]}/`, ctx.rawQuery);
});

route(
  new RegExp(`^/${INBOX}/(?:index\\.html)?$`),
  (ctx, m) => {
    const ib = ctx.site.inbox(m[1]);
    if (!ib) return undefined;
    if (ctx.query.has('q')) return searchInbox(ctx, ib);
    const page = indexPage(ctx.site, ib, ctx.query.get('t') ?? '');
    return html(page.html, page.status);
  },
  // POST only for search downloads (lei, b4)
  { post: (ctx) => ctx.query.has('q') },
);

route(new RegExp(`^/${INBOX}/(?:atom\\.xml|new\\.atom)$`), (ctx, m) => {
  const ib = ctx.site.inbox(m[1]);
  if (!ib) return undefined;
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
    : { status: 200, type: 'application/atom+xml', body: feed };
});

route(new RegExp(`^/${INBOX}/description$`), (ctx, m) => {
  const ib = ctx.site.inbox(m[1]);
  return ib && plain(200, ib.description + '\n');
});

route(new RegExp(`^/${INBOX}/_/([\\w-]+\\.css)$`), (ctx, m) => (ctx.site.inbox(m[1]) ? stylesheet(m[2]) : undefined));

route(new RegExp(`^/${INBOX}/_/text(?:/(.*))?$`), (ctx, m) => {
  const ib = ctx.site.inbox(m[1]);
  if (!ib) return undefined;
  const rest = m[2];
  if (rest === undefined || rest === '' || rest === 'help')
    return redirect(302, `${ctx.origin}/${ib.name}/_/text/help/`);
  const k = /^([a-z]+)\/(raw)?$/.exec(rest);
  if (!k || !(TEXT_KEYS as readonly string[]).includes(k[1])) return html(render('text-not-found', { rest }), 404);
  const key = k[1] as TextKey;
  const base = `${ctx.origin}/${ib.name}/`;
  return k[2] ? plain(200, textOf(key, ib, base)) : html(textPage(key, ib, base));
});

route(new RegExp(`^/${INBOX}/all\\.mbox\\.gz$`), (ctx, m) => {
  const ib = ctx.site.inbox(m[1]);
  if (!ib) return undefined;
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
});
