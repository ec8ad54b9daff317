// /NAME/MID/t/ (nested) and /NAME/MID/T/ (flat) (views/thread.hbs): a whole thread on one page,
// each message with a small overview of where it sits, and the full overview at the bottom
// (View::thread_html).
import { render } from '../templates.js';
import { frame, type Frame } from './frame.js';
import { fmtTs, ts2str } from '../../html/dates.js';
import { layoutThread, renderSkeleton, looseNote, miniOverview, type Node, type Placed } from '../../html/skeleton.js';
import { midHref } from '../../html/mid-path.js';
import type { Html } from '../../html/html.js';
import { walkTree } from '../../mail/thread-tree.js';
import { THREAD_PAGE_LIMIT, type MessageRow } from '../../store/reader.js';
import { messageEntry, type MessageEntry } from './message-entry.js';
import { seriesLink, type SeriesLink } from './series-link.js';
import { threadTags } from './tags.js';
import type { InboxView, Site } from '../site.js';

/**
 * How the nested view's lists open and close around an item (View::thread_adj_level): `closes`
 * times `</ul></li>`, then `</ul>` if `closeTop`, then `<li>` if `liBefore`, `<ul>` if `ul`, and
 * the item in `<li>...</li>` if `li`.
 */
interface ListStep {
  closes: number;
  closeTop: boolean;
  liBefore: boolean;
  ul: boolean;
  li: boolean;
}

interface NestedItem extends ListStep {
  entry?: MessageEntry;
  /** A parent we do not have, shown where it would be. */
  ghost?: { href: string; mid: string };
}

interface ThreadPage {
  frame: Frame;
  flat: boolean;
  entries: MessageEntry[];
  items: NestedItem[];
  end: ListStep;
  only: boolean;
  count: number;
  tMax: string;
  tMaxDate: string;
  seriesLink?: SeriesLink;
  skeleton: Html;
}

/** Open <ul> levels, walked item by item. */
class ListLevels {
  private depth = 0;

  step(level: number): ListStep {
    const none = { closes: 0, closeTop: false, liBefore: false, ul: false, li: true };
    if (level <= 0) {
      const out = { ...none, li: false, closes: this.depth ? this.depth - 1 : 0, closeTop: this.depth > 0 };
      this.depth = 0;
      return out;
    }
    if (level === this.depth) return none;
    if (level < this.depth) {
      const out = { ...none, closes: this.depth - level };
      this.depth = level;
      return out;
    }
    const out = { ...none, liBefore: this.depth > 0, ul: true };
    this.depth = level;
    return out;
  }
}

export interface ThreadPageOptions {
  flat: boolean;
}

export function threadPage(
  site: Site,
  ib: InboxView,
  mid: string,
  opts: ThreadPageOptions,
): { html: string; tags: string[] } | undefined {
  const num = site.reader.numsByMid(mid, ib.scope)[0];
  const start = num === undefined ? undefined : site.reader.message(num);
  if (!start) return undefined;
  const thread = site.reader.thread(start, ib.scope);
  const layout = layoutThread(thread.members, mid, (mids) => site.reader.messagesByMids(mids, ib.scope));
  const skel = renderSkeleton(layout, {
    upfx: '../../',
    anchors: true,
    note: looseNote(thread.count, THREAD_PAGE_LIMIT),
  });
  const sNr = `${thread.count > 1 ? `${thread.count}+ messages` : 'only message'} in thread`;
  const placed = new Map<string, Placed>();
  const order: Placed[] = [];
  const idxOf = new Map<Node, number>();
  walkTree(layout.roots, (node, level) => {
    node.children.forEach((c, i) => idxOf.set(c, i));
    const p = { node, level, idx: level === 0 ? -1 : (idxOf.get(node) ?? 0) };
    placed.set(node.mid, p);
    order.push(p);
  });
  const tMax = Math.max(...thread.members.map((m) => m.ts));
  const entry = (m: MessageRow, p: Placed | undefined) =>
    messageEntry(site, m, {
      upfx: '../../',
      underline: m.mid === mid,
      overview: p && miniOverview(p, placed, skel.rows, sNr),
      threadLinks: { flat: opts.flat, label: sNr },
    });

  let title: string | undefined;
  const entries: MessageEntry[] = [];
  const items: NestedItem[] = [];
  const levels = new ListLevels();
  if (opts.flat) {
    const real = thread.members.slice().sort((a, b) => a.ds - b.ds);
    title = real[0]?.subject;
    for (const m of real) {
      const e = entry(m, placed.get(m.mid));
      if (e) entries.push(e);
    }
  } else {
    let seenReal = false;
    for (const p of order) {
      if (!p.node.msg) {
        // a missing parent is shown once a real message has been (ghosts before the first are dropped)
        if (seenReal) items.push({ ...levels.step(p.level), ghost: { href: midHref(p.node.mid), mid: p.node.mid } });
        continue;
      }
      title ??= p.node.msg.subject;
      seenReal = true;
      const e = entry(p.node.msg, p);
      if (e) items.push({ ...levels.step(p.level), entry: e });
    }
  }
  const model: ThreadPage = {
    frame: frame(ib, '../../', { title: title || '(no subject)', tMax }),
    flat: opts.flat,
    entries,
    items,
    end: levels.step(0),
    only: thread.count === 1,
    count: thread.count,
    tMax: ts2str(tMax),
    tMaxDate: fmtTs(tMax),
    seriesLink: seriesLink(site, start, '../series/'),
    skeleton: skel.html,
  };
  return { html: render('thread', model), tags: threadTags(start, model.seriesLink?.chain) };
}
