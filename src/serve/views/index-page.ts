// /NAME/: the newest topics, 200 messages at a time, paged with ?t= (View::index_topics).
import { render } from '../templates.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { fmtTs, str2ts, ts2str } from '../html/dates.js';
import { layoutThread, dedupeSubject, indentFor, subjectWords } from '../html/skeleton.js';
import { walkTree } from '../../mail/thread-tree.js';
import { normalizeSubject } from '../../mail/subject.js';

import type { MessageRow } from '../../store/reader.js';
import type { InboxView, Site } from '../site.js';
import { midPath } from '../html/mid-path.js';

/** Messages per index page (public-inbox's window). */
export const INDEX_WINDOW = 200;

export interface RecentPage {
  messages: MessageRow[];
  /** ?t= of the next (older) and previous (newer) pages, when there are any. */
  older?: string;
  newer?: string;
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

/** Group the window's messages into topics, newest activity first (acc_topic, dump_topics). */
function topics(site: Site, ib: InboxView, messages: MessageRow[]): Topic[] {
  const layout = layoutThread(messages, undefined, (mids) => site.reader.messagesByMids(mids, ib.scope));
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

function topicHtml(t: Topic): string {
  const href = (mid: string | undefined) => midPath(mid ?? '');
  const single = t.count === 1;
  let out =
    `<a\nhref="${href(t.seen.get(t.subject!))}/T/${single ? '#u' : '#t'}">${asciiHtml(t.subject!)}</a>\n` +
    ` ${fmtTs(t.ds)} UTC ${single ? '' : ` (${t.count}+ messages)`}\n`;
  let prev = subjectWords(t.subject!);
  for (const x of t.extra) {
    const words = subjectWords(x.subject);
    const { words: shown, omit } = dedupeSubject(prev, words, ' &#34;');
    prev = words;
    out += `${indentFor(x.level)}\` <a\nhref="${href(t.seen.get(x.subject))}/T/#u">${asciiHtml(shown.join(' '))}</a>${omit}\n`;
  }
  return out;
}

export function pagination(page: RecentPage, latest: string): string {
  let next = page.older ? `<a\nhref="?t=${page.older}"\nrel=next>next (older)</a>` : '';
  let prev = page.newer ? `<a\nhref="?t=${page.newer}"\nrel=prev>prev (newer)</a>` : '';
  if (prev) {
    next = next ? `${next} | ` : '             | ';
    prev += ` | <a\nhref="${latest}">latest</a>`;
  }
  return next || prev ? `<hr><pre>page: ${next}${prev}</pre>` : '';
}

export function indexPage(site: Site, ib: InboxView, t: string): { status: number; html: string } {
  const page = recentWindow(site, ib, t, INDEX_WINDOW);
  const list = topics(site, ib, page.messages);
  return {
    status: list.length ? 200 : 404,
    html: render('index', {
      frame: frame(ib, '', { paged: t !== '' }),
      topicsHtml: list.length ? list.map(topicHtml).join('\n') : '[No topics in range]',
      paginationHtml: pagination(page, '.'),
    }),
  };
}
