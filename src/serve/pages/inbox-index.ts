// /NAME/ (views/inbox-index.hbs): the newest topics, 200 messages at a time, paged with ?t=
// (View::index_topics); and the window of recent messages new.atom shares.
import { render } from '../templates.js';
import { frame } from './frame.js';
import { fmtTs, str2ts, ts2str } from '../../html/dates.js';
import { layoutThread, dedupeSubject, indentFor, subjectWords } from '../../html/skeleton.js';
import { midHref } from '../../html/mid-path.js';
import { walkTree } from '../../mail/thread-tree.js';
import { normalizeSubject } from '../../mail/subject.js';
import type { MessageRow } from '../../store/reader.js';
import type { InboxView, Site } from '../site.js';
import { windowTags } from './tags.js';

/** Messages per index page (public-inbox's window). */
export const INDEX_WINDOW = 200;

export interface RecentPage {
  messages: MessageRow[];
  /** ?t= of the next (older) and previous (newer) pages, when there are any. */
  older?: string;
  newer?: string;
  /**
   * The arrival times whose messages make the window, when it is not the newest one: mail arriving
   * outside them (later, or earlier than a full window's oldest) leaves it as it is.
   */
  span?: [number, number];
}

/**
 * A window of messages by arrival (View::paginate_recent): `t=TS` ends at TS, `t=TS-` starts
 * there; an unreadable t shows the newest messages rather than an error.
 */
export function recentWindow(site: Site, ib: InboxView, t: string, limit: number): RecentPage {
  let rest = t;
  let after: number | undefined;
  let before: number | undefined;
  const a = /^([0-9]{8,14})-/.exec(rest);
  if (a) {
    after = str2ts(a[1]);
    rest = rest.slice(a[0].length);
  }
  if (/^[0-9]{8,14}$/.test(rest)) before = str2ts(rest);
  let messages: MessageRow[];
  if (before !== undefined) {
    messages = site.reader.recentBefore(ib.scope, before, limit).filter((m) => after === undefined || m.ts >= after);
  } else if (after !== undefined) messages = site.reader.recentAfter(ib.scope, after, limit);
  else messages = site.reader.recentBefore(ib.scope, Number.MAX_SAFE_INTEGER, limit);
  if (messages.length < limit && after !== undefined) {
    after = before = undefined;
    messages = site.reader.recentBefore(ib.scope, Number.MAX_SAFE_INTEGER, limit);
  }
  let more = messages.length === limit;
  const page: RecentPage = { messages };
  if (before !== undefined && (more || after !== undefined))
    page.span = [after ?? messages[messages.length - 1].ts, before];
  else if (after !== undefined && more) page.span = [after, messages[messages.length - 1].ts];
  if (messages.length) {
    let newest = messages[0].ts;
    let oldest = messages[messages.length - 1].ts;
    if (newest < oldest) {
      [oldest, newest] = [newest, oldest];
      if (after !== undefined && after < oldest) more = false;
    }
    if (more) page.older = ts2str(oldest);
    if (before !== undefined || after !== undefined) page.newer = `${ts2str(newest)}-`;
  }
  return page;
}

interface Topic {
  ds: number;
  count: number;
  /** Normalised subject -> newest message with it. */
  seen: Map<string, string>;
  subject?: string;
  extra: { level: number; subject: string }[];
}

/**
 * Group the window's messages into topics, newest activity first (acc_topic, dump_topics); the
 * Message-IDs looked up beyond the window go into `lookedUp`.
 */
function topics(site: Site, ib: InboxView, messages: MessageRow[], lookedUp: string[]): Topic[] {
  const layout = layoutThread(messages, undefined, (mids) => {
    lookedUp.push(...mids);
    return site.reader.messagesByMids(mids, ib.scope);
  });
  const out: Topic[] = [];
  let cur: Topic | undefined;
  walkTree(layout.roots, (n, level) => {
    if (!n.msg) {
      if (level === 0) out.push((cur = { ds: -666, count: 0, seen: new Map(), extra: [] }));
      return;
    }
    const subj = normalizeSubject(n.msg.subject) || '(no subject)';
    if (level === 0) {
      out.push((cur = { ds: n.msg.ds, count: 1, seen: new Map([[subj, n.msg.mid]]), subject: subj, extra: [] }));
      return;
    }
    const topic = cur!;
    topic.ds = Math.max(topic.ds, n.msg.ds);
    topic.count++;
    if (topic.subject === undefined) topic.subject = subj;
    else if (!topic.seen.has(subj)) topic.extra.push({ level, subject: subj });
    topic.seen.set(subj, n.msg.mid);
  });
  return out.filter((t) => t.subject !== undefined).sort((a, b) => b.ds - a.ds);
}

function topicModel(t: Topic) {
  const href = (subject: string) => midHref(t.seen.get(subject) ?? '');
  let prev = subjectWords(t.subject!);
  return {
    href: href(t.subject!),
    anchor: t.count === 1 ? '#u' : '#t',
    subject: t.subject!,
    date: fmtTs(t.ds),
    count: t.count === 1 ? undefined : t.count,
    // later subjects of the topic, their words shared with the one above elided
    extra: t.extra.map((x) => {
      const words = subjectWords(x.subject);
      const { words: shown, omitted } = dedupeSubject(prev, words);
      prev = words;
      return { indent: indentFor(x.level), href: href(x.subject), subject: shown.join(' '), omitted };
    }),
  };
}

/** Links to the next (older) and previous (newer) pages (views/partials/pagination.hbs). */
export function pagination(page: RecentPage, latest: string) {
  if (!page.older && !page.newer) return undefined;
  return { older: page.older, newer: page.newer, latest };
}

export function indexPage(site: Site, ib: InboxView, t: string): { status: number; html: string; tags: string[] } {
  const page = recentWindow(site, ib, t, INDEX_WINDOW);
  const lookedUp: string[] = [];
  const list = topics(site, ib, page.messages, lookedUp);
  return {
    tags: windowTags(ib, page.span, lookedUp),
    status: list.length ? 200 : 404,
    html: render('inbox-index', {
      frame: frame(ib, '', { paged: t !== '' }),
      topics: list.map(topicModel),
      pagination: pagination(page, '.'),
    }),
  };
}
