// The thread overview ("skeleton") as public-inbox draws it: one row per message, indented by
// depth, repeated subject words elided, ghosts as [not found], the page's message in bold.
import { buildThreadTree, walkTree, type TreeNode } from '../mail/thread-tree.js';
import { normalizeSubject } from '../mail/subject.js';
import { midAnchor } from '../mail/message-id.js';
import type { MessageRow } from '../store/reader.js';
import { asciiHtml } from './escape.js';
import { fmtTs } from './dates.js';
import { midPath } from './mid-path.js';
import { Html } from './html.js';

export type Node = TreeNode<MessageRow>;

export interface ThreadLayout {
  roots: Node[];
  /** The requested message was not under the first root: strict and loose matches are split. */
  looseNote: boolean;
}

/**
 * Trees already built, by their members array: the reader keeps a thread's rows (one array per thread
 * and scope) until the thread changes, and every page of the thread lays out the same tree, which
 * nothing changes once built. A page of a thread of N messages then costs its own row, not N.
 */
const trees = new WeakMap<MessageRow[], Node[]>();

/**
 * Roots of a thread for display (View::thread_results): when several roots exist (loose
 * subject matches), the one holding the requested message comes first, the rest newest first.
 * `resolveGhosts` must answer in the scope `members` was read in (it is asked once per array).
 */
export function layoutThread(
  members: MessageRow[],
  current: string | undefined,
  resolveGhosts: (mids: string[]) => Map<string, MessageRow>,
): ThreadLayout {
  // SearchThread sorts by date; ties keep get_thread's order (strict, then loose newest first)
  let roots = trees.get(members);
  if (!roots) trees.set(members, (roots = buildThreadTree(members, resolveGhosts)));
  if (current === undefined || roots.length < 2) return { roots, looseNote: false };
  const idx = roots.findIndex((r) => {
    let found = false;
    walkTree([r], (n) => {
      if (n.mid === current) found = true;
    });
    return found;
  });
  if (idx <= 0) return { roots, looseNote: false };
  return { roots: [roots[idx], ...roots.filter((_, i) => i !== idx).reverse()], looseNote: true };
}

/** A subject's words after normalisation; none for an empty subject. */
export function subjectWords(subject: string): string[] {
  const s = normalizeSubject(subject);
  return s === '' ? [] : s.split(' ');
}

export const indentFor = (level: number) => (level ? '  '.repeat(level - 1) : '');
export const childPrefix = (level: number) => (level ? '` ' : '');

/**
 * Drop the trailing words a subject shares with the previous row's (View::dedupe_subject):
 * `omitted` says words were dropped (a marker is printed then), unless it was only one word.
 */
export function dedupeSubject(
  prev: readonly string[],
  subject: readonly string[],
): { words: string[]; omitted: boolean } {
  const p = [...prev];
  const s = [...subject];
  const popped: string[] = [];
  while (p.length && s.length && s[s.length - 1] === p[p.length - 1]) {
    p.pop();
    popped.unshift(s.pop()!);
  }
  if (s.length && /^re:\s*/i.test(s[s.length - 1])) s.pop();
  if (popped.length === 1) return { words: [...s, ...popped], omitted: false };
  return { words: s, omitted: popped.length > 0 };
}

export function looseNote(count: number, limit: number): string {
  let s = '  -- strict thread matches above, loose matches on Subject: below --\n';
  if (count > limit) s += `  -- use mbox.gz link to download all ${count} messages --\n`;
  return s;
}

export interface SkeletonOptions {
  /** The page's own message: printed in bold as `[this message]`; next/prev are found around it. */
  current?: string;
  /** Subject of the page's message; the first row's subject is elided against it. */
  currentSubject?: string;
  /** Prefix of links to other messages ('../' on a message page). */
  upfx: string;
  /** Thread pages: rows link to the messages on the page (#m...) and carry ids (r...). */
  anchors?: boolean;
  /** Text for the strict/loose divider, when the layout has one. */
  note?: string;
}

export interface Skeleton {
  html: Html;
  /** Next and previous message in overview order, around `current`. */
  next?: string;
  prev?: string;
  /** Each message's row, for the mini-overviews of thread pages. */
  rows: Map<string, string>;
}

/** What a row prints of its message alone, whatever the page. */
interface RowText {
  date: string;
  from: string;
  subject: string[];
  path: string;
}

/** Made once per row: rows are kept with their thread (see trees), and every page of it prints them. */
const rowTexts = new WeakMap<MessageRow, RowText>();

function rowText(m: MessageRow): RowText {
  let t = rowTexts.get(m);
  if (!t) {
    t = { date: fmtTs(m.ds), from: asciiHtml(m.fromNames), subject: subjectWords(m.subject), path: midPath(m.mid) };
    rowTexts.set(m, t);
  }
  return t;
}

/** Draw the overview rows (View::skel_dump for every node, depth first). */
export function renderSkeleton(layout: ThreadLayout, opts: SkeletonOptions): Skeleton {
  let html = '';
  const rows = new Map<string, string>();
  let cur = opts.current;
  let prevSubj = opts.currentSubject !== undefined ? subjectWords(opts.currentSubject || '(no subject)') : [];
  let next: string | undefined;
  let prev: string | undefined;
  let rootsSeen = 0;
  walkTree(layout.roots, (n, level) => {
    const indent = indentFor(level) + childPrefix(level);
    if (!n.msg) {
      const href = `${opts.upfx}${midPath(n.mid)}/`;
      const d = `     [not found] ${indent}`;
      if (opts.anchors) {
        const id = midAnchor(n.mid);
        rows.set(n.mid, `${d}&lt;<a\nhref=#r${id}>${asciiHtml(n.mid)}</a>&gt;\n`);
        html += `${d}&lt;<a\nhref="${href}"\nid=r${id}>${asciiHtml(n.mid)}</a>&gt;\n`;
      } else html += `${d}&lt;<a\nhref="${href}">${asciiHtml(n.mid)}</a>&gt;\n`;
      return;
    }
    if (level === 0 && rootsSeen++ && layout.looseNote && opts.note) html += opts.note;
    const m = n.msg;
    const text = rowText(m);
    const from = text.from;
    const d = `${text.date} ${indent}`;
    if (cur !== undefined) {
      if (cur === m.mid) {
        cur = undefined;
        html += `<b>${d}<a\nid=r\nhref="#t">${from} [this message]</a></b>\n`;
        return;
      }
      prev = m.mid;
    } else next ??= m.mid;
    const subj = text.subject;
    const { words, omitted } = dedupeSubject(prevSubj, subj);
    prevSubj = subj;
    const end = words.length
      ? `${asciiHtml(words.join(' '))}</a> ${omitted ? '&#34; ' : ''}${from}\n`
      : `${from}</a>\n`;
    if (opts.anchors) {
      const id = midAnchor(m.mid);
      rows.set(m.mid, `${d}<a\nhref="#m${id}">${end}`);
      html += `${d}<a\nhref="#m${id}"\nid=r${id}>${end}`;
    } else html += `${d}<a\nhref="${opts.upfx}${text.path}/">${end}`;
  });
  return { html: new Html(html), next, prev, rows };
}

/** A message's place in the tree of a thread page: its node, depth and index among its siblings. */
export interface Placed {
  node: Node;
  level: number;
  /** Position among its siblings; -1 for roots. */
  idx: number;
}

const nrToS = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

/**
 * The rows around one message of a thread page: parent, siblings, first replies
 * (View::_th_index_lite), from the skeleton's rows; `sNr` is the thread's size as shown.
 */
export function miniOverview(p: Placed, placed: Map<string, Placed>, rows: Map<string, string>, sNr: string): Html {
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
  return new Html(
    out +
      `${pad}<a\nhref=#r${id}>${nrToS(nrS, 'sibling', 'siblings')}, ${nrToS(children.length, 'reply', 'replies')}; ${sNr}</a>\n`,
  );
}
