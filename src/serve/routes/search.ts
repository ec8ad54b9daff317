// Search: GET /NAME/?q= pages, POST /NAME/?q=&x=m mbox downloads (whole threads with t=1 or a
// body starting x= with a value not starting with 0), and POST /NAME/MID/?x=m&q= within a thread.
import { route, INBOX, MID, target, inboxBase, type RequestContext } from '../router.js';
import { html, plain, type Page } from '../response.js';
import { searchPage, searchParams } from '../views/search-page.js';
import { mboxGzStream, inBatches, toFilename } from '../mbox-download.js';
import { parseQuery, QueryError, type QueryNode } from '../../search/query.js';
import type { InboxView } from '../site.js';
import type { MessageRow } from '../../store/reader.js';
import { SearchOverBudget } from '../../store/search-budget.js';

const now = () => Math.floor(Date.now() / 1000);

function badQuery(err: unknown): Page {
  if (err instanceof SearchOverBudget) return overBudget(err);
  return plain(400, `Bad query: ${err instanceof QueryError ? err.message : 'the query could not be run'}\n`);
}

/** A search stopped or refused for time: the server is busy, not the query wrong. */
function overBudget(err: SearchOverBudget): Page {
  return plain(503, `${err.message}\n`, { 'Retry-After': String(err.retryAfter) });
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

export function searchInbox(ctx: RequestContext, ib: InboxView): Page {
  const p = searchParams(ctx.query);
  if (ctx.method === 'POST' && p.x === 'm') {
    return mboxResults(ctx, ib, p.q, p.t || /^x=[^0]/.test(ctx.body.slice(0, 3)));
  }
  let out;
  try {
    out = searchPage(ctx.site, ctx.site.search, ib, p, now(), inboxBase(ctx, ib));
  } catch (err) {
    if (err instanceof SearchOverBudget) return overBudget(err);
    throw err;
  }
  if (out.kind === 'atom') return { status: 200, type: 'application/atom+xml', body: out.body };
  return html(out.html, out.status);
}

// within one thread: lei q -T and liblore's thread updates
route(
  new RegExp(`^/${INBOX}/${MID}/$`),
  (ctx, m) => {
    if (ctx.method !== 'POST') return undefined;
    const t = target(ctx, m[1], m[2]);
    if (!t) return undefined;
    const p = searchParams(ctx.query);
    if (p.x !== 'm') return undefined; // a POST to a message page is not allowed otherwise
    const first = ctx.site.reader.messageByMid(t.mid, t.inbox.scope);
    if (!first) return plain(404, 'No results found\n');
    return mboxResults(ctx, t.inbox, p.q, false, first);
  },
  { post: true },
);
