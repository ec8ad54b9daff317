// The display tree of a thread, as public-inbox's SearchThread builds it (jwz without subject
// grouping): link each message's References chain pairwise, never making a loop; ghosts stand in
// for messages we do not have and are shown only when they have replies.

export interface ThreadMessage {
  mid: string;
  /** Threading references, oldest first. */
  refs: string[];
  /** Sent time, for ordering. */
  ds: number;
}

export interface TreeNode<M extends ThreadMessage> {
  mid: string;
  /** Undefined for a ghost: a referenced message that is not in the set. */
  msg?: M;
  parent?: TreeNode<M>;
  children: TreeNode<M>[];
}

function node<M extends ThreadMessage>(mid: string, msg?: M): TreeNode<M> {
  return { mid, msg, children: [] };
}

/** Is `ancestor` on the parent chain of `n` (or `n` itself)? Loop-safe. */
function isAncestor<M extends ThreadMessage>(ancestor: TreeNode<M>, n: TreeNode<M> | undefined): boolean {
  const seen = new Set<TreeNode<M>>();
  for (let cur = n; cur; cur = cur.parent) {
    if (cur === ancestor || seen.has(cur)) return true;
    seen.add(cur);
  }
  return false;
}

function adopt<M extends ThreadMessage>(parent: TreeNode<M>, child: TreeNode<M>): void {
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
  parent.children.push(child);
  child.parent = parent;
}

/**
 * Orders siblings by the sent time of the first real message found breadth-first below (and
 * including) each: worked out once per node, since a sort asks for it again and again.
 */
function byTopmost<M extends ThreadMessage>(): (a: TreeNode<M>, b: TreeNode<M>) => number {
  const memo = new Map<TreeNode<M>, number>();
  const topmost = (n: TreeNode<M>): number => {
    let ds = memo.get(n);
    if (ds === undefined) {
      ds = 0;
      const queue = [n];
      for (let i = 0; i < queue.length; i++) {
        if (queue[i].msg) {
          ds = queue[i].msg!.ds;
          break;
        }
        queue.push(...queue[i].children);
      }
      memo.set(n, ds);
    }
    return ds;
  };
  return (a, b) => topmost(a) - topmost(b);
}

/**
 * References followed per message, at ingest (thread ids, ghosts) and on pages: the closest
 * ancestors. Real mail names a few dozen at most (21 on the whole virtualization list); a hostile
 * one naming thousands would make every page of its thread build (and show) a ghost chain
 * thousands deep.
 */
export const MAX_TREE_REFS = 100;

/** The closest MAX_TREE_REFS of a message's references (oldest first, like the whole list). */
export const closestOf = (refs: string[]): string[] =>
  refs.length > MAX_TREE_REFS ? refs.slice(-MAX_TREE_REFS) : refs;

/**
 * Build the display tree. `resolveGhosts` may supply messages for ghosts that exist outside the
 * set (public-inbox shows such a root, e.g. another thread's cover letter, as real); it is asked
 * once for all of them, since a hostile thread can hold tens of thousands.
 */
export function buildThreadTree<M extends ThreadMessage>(
  messages: M[],
  resolveGhosts?: (mids: string[]) => Map<string, M>,
): TreeNode<M>[] {
  const table = new Map<string, TreeNode<M>>();
  const copies: M[] = [];
  const kids: M[] = [];
  for (const m of [...messages].sort((a, b) => a.ds - b.ds)) {
    if (table.has(m.mid)) copies.push(m);
    else {
      table.set(m.mid, node(m.mid, m));
      kids.push(m);
    }
  }
  for (const m of kids) {
    let prev: TreeNode<M> | undefined;
    for (const ref of closestOf(m.refs)) {
      let cont = table.get(ref);
      if (!cont) table.set(ref, (cont = node<M>(ref)));
      if (prev && !cont.parent && !isAncestor(cont, prev)) adopt(prev, cont);
      prev = cont;
    }
    const self = table.get(m.mid)!;
    if (prev && !isAncestor(self, prev)) adopt(prev, self);
  }
  if (resolveGhosts) {
    const ghosts = [...table.values()].filter((n) => !n.msg);
    const found = ghosts.length ? resolveGhosts(ghosts.map((n) => n.mid)) : new Map<string, M>();
    for (const n of ghosts) n.msg = found.get(n.mid);
  }
  const visible = (n: TreeNode<M>): boolean => !!n.msg || n.children.length > 0;
  const order = byTopmost<M>();
  const roots = [...table.values()].filter((n) => !n.parent && visible(n)).sort(order);
  const seen = new Set<TreeNode<M>>();
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i];
    seen.add(cur);
    cur.children = cur.children.filter((c) => !seen.has(c) && visible(c));
    if (cur.children.length > 1) cur.children.sort(order);
    queue.push(...cur.children);
  }
  // further messages with an id already seen become first children of the first (imposters)
  for (const c of copies) {
    const first = table.get(c.mid)!;
    const copy = node(c.mid, c);
    copy.parent = first;
    first.children.unshift(copy);
  }
  return roots;
}

/** Depth-first walk (iterative: 3,000-deep chains must not overflow the stack). */
export function walkTree<M extends ThreadMessage>(
  roots: TreeNode<M>[],
  visit: (n: TreeNode<M>, depth: number) => void,
): void {
  const stack: [TreeNode<M>, number][] = roots.map((r) => [r, 0] as [TreeNode<M>, number]).reverse();
  while (stack.length) {
    const [n, depth] = stack.pop()!;
    visit(n, depth);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], depth + 1]);
  }
}
