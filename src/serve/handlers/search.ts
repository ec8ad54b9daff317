// Search: GET /NAME/?q= pages, POST /NAME/?q=&x=m mbox downloads (whole threads with t=1 or a
// body starting x= with a value not starting with 0), and POST /NAME/MID/?x=m&q= within a thread.
import { inboxBase, type RequestContext, type Target } from '../router.js';
import { html, plain, type Page } from '../response.js';
import { searchPage, searchParams } from '../pages/search.js';
import { mboxGzStream, inBatches, toFilename } from '../mbox-download.js';
import { parseQuery, QueryError, type QueryNode } from '../../search/query.js';
import type { InboxView } from '../site.js';
import { inboxTags } from '../pages/tags.js';
import type { MessageRow } from '../../store/reader.js';
import { SearchOverBudget } from '../../store/search-budget.js';

const now = () => Math.floor(Date.now() / 1000);

function badQuery(err: unknown): Page {
  if (err instanceof SearchOverBudget) return overBudget(err);
  return plain(400, `Bad query: ${err instanceof QueryError ? err.message : 'the query could not be run'}\n`);
}

/** A search stopped or refused for time: the server is busy, not the query wrong. */
function overBudget(err: SearchOverBudget): Page {
  return { ...plain(503, `${err.message}\n`, { 'Retry-After': String(err.retryAfter) }), clearsInMs: err.roomInMs };
}

/**
 * Whether a query's matches move with the clock (`d:1.day.ago..`): it then reads the same a
 * day apart only if it has no relative dates. Such pages are never cached.
 */
function dependsOnClock(q: string, at: number): boolean {
  try {
    return JSON.stringify(parseQuery(q, at)) !== JSON.stringify(parseQuery(q, at + 86_400));
  } catch {
    return false;
  }
}

/** Every match as one gzipped mbox, newest first, or their whole threads (Mbox::mbox_all). */
function mboxResults(ctx: RequestContext, ib: InboxView, q: string, threads: boolean, within?: MessageRow): Page {
  const search = ctx.site.search;
  const tid = within?.tid;
  let nums: number[];
  try {
    if (!/\S/.test(q))
      nums = within
        ? search.expandThreads([within.num], ib.scope)
        : ctx.site.reader.numsAfter(ib.scope, 0, Number.MAX_SAFE_INTEGER);
    else {
      const tree: QueryNode = parseQuery(q, now());
      nums = search.allNums(tree, ib.scope, tid);
      if (threads && nums.length) nums = search.expandThreads(nums, ib.scope);
    }
  } catch (err) {
    return badQuery(err);
  }
  if (!nums.length) return plain(404, 'No results found\n');
  const name = `results-${threads ? 'thread-' : ''}${toFilename(q) ?? 'all'}`;
  // results can be a whole inbox: streamed in batches, never built in memory
  return mboxGzStream(ctx.site.reader, () => inBatches(nums), name);
}

/** ?q= on an inbox: the results page or feed, or with POST and x=m the download. */
export function searchInbox(ctx: RequestContext, ib: InboxView): Page {
  const p = searchParams(ctx.query);
  if (ctx.method === 'POST' && p.x === 'm') {
    return mboxResults(ctx, ib, p.q, p.t || /^x=[^0]/.test(ctx.body.slice(0, 3)));
  }
  const at = now();
  let out;
  try {
    out = searchPage(ctx.site, ctx.site.search, ib, p, at, inboxBase(ctx, ib));
  } catch (err) {
    if (err instanceof SearchOverBudget) return overBudget(err);
    throw err;
  }
  const page: Page =
    out.kind === 'atom' ? { status: 200, type: 'application/atom+xml', body: out.body } : html(out.html, out.status);
  // any new mail of the inbox may match
  return { ...page, tags: inboxTags(ib), cache: !dependsOnClock(p.q, at) };
}

/** POST /NAME/MID/?x=m&q=: matches within the message's thread (lei q -T, liblore's thread updates). */
export function searchThread(ctx: RequestContext, t: Target): Page | undefined {
  if (ctx.method !== 'POST') return undefined;
  const p = searchParams(ctx.query);
  const first = ctx.site.reader.messageByMid(t.mid, t.inbox.scope);
  if (!first) return plain(404, 'No results found\n');
  return mboxResults(ctx, t.inbox, p.q, false, first);
}

/** Search downloads are the only POSTs an inbox or message URL takes. */
export const postsSearch = (ctx: RequestContext) => ctx.query.has('q');
export const postsThreadSearch = (ctx: RequestContext) => searchParams(ctx.query).x === 'm';
