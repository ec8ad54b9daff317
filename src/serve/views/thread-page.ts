// /NAME/MID/t/ (nested) and /NAME/MID/T/ (flat): a whole thread on one page, each message with
// a small overview of where it sits, and the full overview at the bottom (View::thread_html).
import { render } from '../templates.js';
import { seriesLinkHtml } from './series-link.js';
import { frame } from './frame.js';
import { asciiHtml } from '../html/escape.js';
import { fmtTs, ts2str } from '../html/dates.js';
import { layoutThread, renderSkeleton, looseNote, indentFor, childPrefix, type Node } from '../html/skeleton.js';
import { walkTree } from '../../mail/thread-tree.js';
import { midAnchor } from '../../mail/message-id.js';
import { THREAD_PAGE_LIMIT, type MessageRow } from '../../store/reader.js';
import { messageEntry } from './message-entry.js';
import type { InboxView, Site } from '../site.js';
import { midPath } from '../html/mid-path.js';

interface Placed {
  node: Node;
  level: number;
  /** Position among its siblings; -1 for roots. */
  idx: number;
}

const nrToS = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

/** The rows around one message: parent, siblings, first replies (View::_th_index_lite). */
function miniOverview(p: Placed, placed: Map<string, Placed>, rows: Map<string, string>, sNr: string): string {
  const pad = '  ';
  const id = midAnchor(p.node.mid);
  const row = (mid: string | undefined) => (mid !== undefined && rows.get(mid)) || '(?)\n';
  const padLink = (mid: string, level: number, s: string) =>
    ' '.repeat(19) + indentFor(level) + childPrefix(level) + `<a\nhref=#r${midAnchor(mid)}>(${s})</a>\n`;
  const children = p.node.children;
  let out = '';
  let siblings: Node[] | undefined;
  let nrS = 0;
  const irt = p.node.msg?.refs[p.node.msg.refs.length - 1];
  const parent = irt !== undefined ? placed.get(irt) : undefined;
  if (parent) {
    siblings = parent.node.children;
    nrS = siblings.length - 1;
    out += pad + row(irt);
    if (p.idx > 0) {
      const prev = siblings[p.idx - 1];
      if (p.idx > 2) out += padLink(prev.mid, p.level, `${p.idx - 1} preceding siblings ...`);
      else if (p.idx === 2) out += pad + row(siblings[0]?.mid);
      out += pad + row(prev.mid);
    }
  }
  const self = (rows.get(p.node.mid) ?? '')
    .replace(/\n$/, '</b>\n')
    .replace(/<a\nhref[\s\S]*<\/a> (?:&#34; )?/, '')
    .replace(/<a\nhref=[^>]+>([^<]+)<\/a>/, '$1');
  out += `<b>@ ${self}`;
  if (children.length) {
    out += pad + row(children[0].mid);
    if (children.length > 2) out += padLink(children[0].mid, p.level + 1, `${children.length - 1} more replies`);
    else if (children[1]) out += pad + row(children[1].mid);
  }
  const next = siblings && p.idx >= 0 ? siblings[p.idx + 1] : undefined;
  if (next && siblings) {
    out += pad + row(next.mid);
    const nNext = nrS - p.idx;
    if (nNext > 2) out += padLink(next.mid, p.level, `${nNext - 1} subsequent siblings`);
    else if (siblings[p.idx + 2]) out += pad + row(siblings[p.idx + 2].mid);
  }
  return (
    out +
    `${pad}<a\nhref=#r${id}>${nrToS(nrS, 'sibling', 'siblings')}, ${nrToS(children.length, 'reply', 'replies')}; ${sNr}</a>\n`
  );
}

export interface ThreadPageOptions {
  flat: boolean;
}

export function threadPage(site: Site, ib: InboxView, mid: string, opts: ThreadPageOptions): string | undefined {
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
  const rootAnchor = 'm' + midAnchor(mid);

  const entry = (m: MessageRow, p: Placed | undefined) => {
    const mhref = `../../${midPath(m.mid)}/`;
    const flat = opts.flat ? '<b>flat</b>' : 'flat';
    const nested = opts.flat ? 'nested' : '<b>nested</b>';
    return messageEntry(site, m, {
      upfx: '../../',
      underline: rootAnchor === 'm' + midAnchor(m.mid),
      overviewHtml: p ? miniOverview(p, placed, skel.rows, sNr) : '',
      footerHtml: `\t[<a\nhref="${mhref}T/#u">${flat}</a>|<a\nhref="${mhref}t/#u">${nested}</a>] <a\nhref=#r${midAnchor(m.mid)}>${sNr}</a>`,
    });
  };

  let messagesHtml = '';
  let title: string | undefined;
  if (opts.flat) {
    const real = thread.members.slice().sort((a, b) => a.ds - b.ds);
    title = real[0]?.subject;
    messagesHtml = '<pre>' + real.map((m) => entry(m, placed.get(m.mid))).join('</pre><hr><pre>') + '</pre>';
  } else {
    let depth = 0; // open <ul> levels (View::thread_adj_level)
    const adjust = (level: number): [string, string] => {
      if (level <= 0) {
        const close = depth > 1 ? '</ul></li>'.repeat(depth - 1) : '';
        const out: [string, string] = depth === 0 ? ['', ''] : [`${close}</ul>`, ''];
        depth = 0;
        return out;
      }
      if (level === depth) return ['<li>', '</li>'];
      if (level < depth) {
        const close = depth > 1 ? '</ul></li>'.repeat(depth - level) : '';
        depth = level;
        return [`${close}<li>`, '</li>'];
      }
      const open = (depth ? '<li>' : '') + '<ul><li>';
      depth = level;
      return [open, '</li>'];
    };
    let seenReal = false;
    for (const p of order) {
      if (!p.node.msg) {
        // a missing parent is shown once a real message has been (ghosts before the first are dropped)
        if (!seenReal) continue;
        const [b, e] = adjust(p.level);
        messagesHtml += `${b}<pre>[parent not found: &lt;<a\nhref="../../${midPath(p.node.mid)}/">${asciiHtml(p.node.mid)}</a>&gt;]</pre>${e}`;
        continue;
      }
      title ??= p.node.msg.subject;
      seenReal = true;
      const [b, e] = adjust(p.level);
      messagesHtml += `${b}<pre>${entry(p.node.msg, p)}</pre>${e}`;
    }
    messagesHtml += adjust(0)[0];
  }
  const t = ts2str(tMax);
  const bottom =
    `<hr><pre>${thread.count === 1 ? 'only message in thread' : 'end of thread'}, other threads:[<a\nhref="../../?t=${t}">~${fmtTs(tMax)} UTC</a> | <a\nhref="../../">newest</a>]\n\n` +
    `<b\nid=t>Thread overview:</b> ${thread.count === 1 ? '(only message)' : `${thread.count}+ messages`} (download: <a\nhref="../t.mbox.gz">mbox.gz</a> / follow: <a\nhref="../t.atom">Atom feed</a>)\n` +
    `${seriesLinkHtml(site, start, '../series/')}-- links below jump to the message on this page --\n${skel.html}</pre>`;
  return render('thread', {
    frame: frame(ib, '../../', { title: title || '(no subject)', tMax }),
    messagesHtml,
    bottomHtml: bottom,
  });
}
