// What a Message-ID's thread URLs answer: the thread nested or flat, as an mbox, as a feed.
import { inboxBase, type RequestContext, type Target } from '../router.js';
import { html, plain, type Page } from '../response.js';
import { threadPage } from '../pages/thread.js';
import { notFoundPage } from '../pages/not-found.js';
import { threadTags } from '../pages/tags.js';
import { atomFeed } from '../pages/atom.js';
import { mboxGz, toFilename } from '../mbox-download.js';

export function thread(ctx: RequestContext, t: Target, flat: boolean): Page {
  const page = threadPage(ctx.site, t.inbox, t.mid, { flat });
  return page !== undefined ? { ...html(page.html), tags: page.tags } : notFoundPage(ctx, t);
}

/** t.mbox is gzipped too, as in public-inbox. */
export function threadMbox(ctx: RequestContext, t: Target): Page {
  const reader = ctx.site.reader;
  const first = reader.messageByMid(t.mid, t.inbox.scope);
  if (!first) return plain(404, '');
  const members = reader.threadInArrivalOrder(first, t.inbox.scope, true);
  const mbox = mboxGz(
    reader,
    members.map((r) => r.num),
    toFilename(members[0].subject) ?? 'no-subject',
  );
  return { ...mbox, tags: threadTags(first) };
}

export function threadAtom(ctx: RequestContext, t: Target): Page {
  const first = ctx.site.reader.messageByMid(t.mid, t.inbox.scope);
  const messages = first
    ? ctx.site.reader
        .thread(first, t.inbox.scope)
        .members.slice()
        .sort((a, b) => a.ds - b.ds)
    : [];
  const feed = atomFeed(ctx.site, {
    inbox: t.inbox,
    base: inboxBase(ctx, t.inbox),
    feed: { kind: 'thread', mid: t.mid },
    messages,
    updated: ctx.site.reader.newestTs(t.inbox.scope) ?? 0,
  });
  return feed === undefined
    ? plain(404, 'No feed found for thread\n')
    : { status: 200, type: 'application/atom+xml', body: feed, tags: threadTags(first!) };
}
