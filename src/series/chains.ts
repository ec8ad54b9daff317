// Version chains v1..vN: series linked by every signal there is: the same change-id, one version
// answering another's thread, the same title from the same author, the same patch-ids from the
// same author, and an administrator's explicit links and unlinks. Series aimed at different targets
// (stable branches, trees, projects: mail/subject.ts's patchTarget) never share a chain.
import type { PatchTarget } from '../mail/subject.js';

export interface ChainInput {
  id: number;
  tid: number;
  title: string;
  authorAddr: string;
  changeId: string | null;
  patchIds: string[];
  /** Message-IDs of its cover letter and patches. */
  mids: string[];
  /** Message-IDs its cover letter or first patch answers (a new version sent as a reply). */
  answers: string[];
  target: PatchTarget;
}

export interface ChainLink {
  aMid: string;
  bMid: string;
  linked: boolean;
}

/** The targets a chain holds: at most one stable branch (or mainline) and at most one tree named. */
interface Targets {
  stable: Set<string>;
  trees: Set<string>;
}

class UnionFind {
  private readonly parent = new Map<number, number>();
  /** Of each chain's root. */
  private readonly targets = new Map<number, Targets>();

  constructor(list: ChainInput[]) {
    for (const s of list) {
      this.targets.set(s.id, {
        stable: new Set([s.target.stable]),
        trees: new Set(s.target.tree ? [s.target.tree] : []),
      });
    }
  }

  find(x: number): number {
    let r = x;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r)!;
    this.parent.set(x, r);
    return r;
  }

  /**
   * Whether joining the chains of a and b would put two targets in one chain: two stable branches
   * (or one and mainline), or two trees (a series that names none may join one that does).
   */
  conflict(a: number, b: number): boolean {
    const [ta, tb] = [this.targets.get(this.find(a))!, this.targets.get(this.find(b))!];
    return new Set([...ta.stable, ...tb.stable]).size > 1 || new Set([...ta.trees, ...tb.trees]).size > 1;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // the oldest series (lowest id) names the chain
    const [root, child] = [Math.min(ra, rb), Math.max(ra, rb)];
    const [tr, tc] = [this.targets.get(root)!, this.targets.get(child)!];
    for (const s of tc.stable) tr.stable.add(s);
    for (const t of tc.trees) tr.trees.add(t);
    this.parent.set(child, root);
  }
}

/**
 * What a signal is worth: only a strong one (change-id; title and author) joins a series naming a
 * tree with one naming none (`[PATCH v4]` and `[PATCH net-next v5]`).
 */
type Strength = 'strong' | 'weak';

/** What chainKeys reads of a series. */
export type KeyedSeries = Pick<ChainInput, 'changeId' | 'title' | 'authorAddr' | 'patchIds'>;

const titleOf = (s: KeyedSeries) => s.title.toLowerCase().replace(/\s+/g, ' ').trim();
const titleKey = (s: KeyedSeries) => `${titleOf(s)}\0${s.authorAddr.toLowerCase()}`;
/** The same patch from the same author. */
const patchKeys = (s: KeyedSeries) => [...new Set(s.patchIds)].map((p) => `${p}\0${s.authorAddr.toLowerCase()}`);

/**
 * What a series shares with every series chainSeries groups it with by key: its change-id, its title
 * and author, each of its patches with its author. With its thread, the series its first message
 * answers and an administrator's links, these join it to every series it can be chained with
 * directly, so the store finds a new series' possible versions by them (store/series-writer.ts
 * relinkAround) instead of reading every series of its inbox.
 */
export function chainKeys(s: KeyedSeries): string[] {
  return [...(s.changeId ? [`c\0${s.changeId}`] : []), `t\0${titleKey(s)}`, ...patchKeys(s).map((k) => `p\0${k}`)];
}

/** The chain (id of its first series) of every series. */
export function chainSeries(list: ChainInput[], links: ChainLink[]): Map<number, number> {
  const byMid = new Map<string, number>();
  for (const s of list) for (const m of s.mids) byMid.set(m, s.id);
  const pairKey = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;
  const blocked: [number, number][] = [];
  const forced: [number, number][] = [];
  for (const l of links) {
    const a = byMid.get(l.aMid);
    const b = byMid.get(l.bMid);
    if (a === undefined || b === undefined || a === b) continue;
    if (l.linked) forced.push([a, b]);
    else blocked.push([a, b]);
  }
  const edges: [number, number, Strength][] = [];
  const byId = new Map(list.map((s) => [s.id, s]));
  /** The ids of the series under each key. */
  const groups = (key: (s: ChainInput) => (string | null)[]) => {
    const out = new Map<string, number[]>();
    for (const s of list) {
      for (const k of key(s)) {
        if (k === null || k === '') continue;
        const g = out.get(k) ?? [];
        g.push(s.id);
        out.set(k, g);
      }
    }
    return out;
  };
  const groupBy = (key: (s: ChainInput) => (string | null)[], strength: Strength) => {
    // every pair, so that two members an unlink keeps from the first can still join each other;
    // a star past a size no real series reaches, to stay linear on pathological titles
    for (const g of groups(key).values()) {
      if (g.length > 64) for (let i = 1; i < g.length; i++) edges.push([g[0], g[i], strength]);
      else for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) edges.push([g[i], g[j], strength]);
    }
  };
  groupBy((s) => [s.changeId], 'strong');
  // another series in a thread, or answering one, is another version when it is the same author's or
  // bears the same title (a robot's or a reviewer's patch in the thread is not)
  const kin = (a: ChainInput, b: ChainInput) =>
    a.authorAddr.toLowerCase() === b.authorAddr.toLowerCase() || titleOf(a) === titleOf(b);
  for (const g of groups((s) => [`tid:${s.tid}`]).values()) {
    for (let i = 0; i < g.length; i++)
      for (let j = i + 1; j < g.length && j < i + 64; j++)
        if (kin(byId.get(g[i])!, byId.get(g[j])!)) edges.push([g[i], g[j], 'weak']);
  }
  groupBy((s) => [titleKey(s)], 'strong');
  // the same author posting the same patches: versions of one series when they share at least
  // half of the smaller one's patches (a single shared fix does not make two series one)
  const byPatch = groups(patchKeys);
  const sizes = new Map(list.map((s) => [s.id, new Set(s.patchIds).size]));
  const shared = new Map<string, number>();
  for (const ids of byPatch.values()) {
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const k = pairKey(ids[i], ids[j]);
        shared.set(k, (shared.get(k) ?? 0) + 1);
      }
  }
  for (const [k, n] of shared) {
    const [a, b] = k.split('-').map(Number);
    if (2 * n >= Math.min(sizes.get(a)!, sizes.get(b)!)) edges.push([a, b, 'weak']);
  }
  for (const s of list) {
    for (const m of s.answers) {
      const other = byMid.get(m);
      if (other !== undefined && other !== s.id && kin(s, byId.get(other)!)) edges.push([s.id, other, 'weak']);
    }
  }
  // an unlink is a promise that the two never share a chain, however many signals join them
  // through other versions: a union that would break one is skipped
  const uf = new UnionFind(list);
  const join = (a: number, b: number) => {
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb) return;
    for (const [x, y] of blocked) {
      const rx = uf.find(x);
      const ry = uf.find(y);
      if ((rx === ra && ry === rb) || (rx === rb && ry === ra)) return;
    }
    uf.union(a, b);
  };
  // an administrator's link holds whatever the targets; automatic signals never join two targets,
  // and only strong ones join a series naming a tree with one naming none
  for (const [a, b] of forced) join(a, b);
  for (const [a, b, strength] of edges) {
    if (uf.conflict(a, b)) continue;
    if (strength === 'weak' && byId.get(a)!.target.tree !== byId.get(b)!.target.tree) continue;
    join(a, b);
  }
  return new Map(list.map((s) => [s.id, uf.find(s.id)]));
}
