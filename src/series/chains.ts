// Version chains v1..vN: series linked by every signal there is: the same change-id, one version
// answering another's thread, the same title from the same author, the same patch-ids from the
// same author, and an administrator's explicit links and unlinks.

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
}

export interface ChainLink {
  aMid: string;
  bMid: string;
  linked: boolean;
}

class UnionFind {
  private readonly parent = new Map<number, number>();

  find(x: number): number {
    let r = x;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r)!;
    this.parent.set(x, r);
    return r;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // the oldest series (lowest id) names the chain
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
}

const titleKey = (s: ChainInput) => `${s.title.toLowerCase().replace(/\s+/g, ' ').trim()}\0${s.authorAddr.toLowerCase()}`;

/** The chain (id of its first series) of every series. */
export function chainSeries(list: ChainInput[], links: ChainLink[]): Map<number, number> {
  const byMid = new Map<string, number>();
  for (const s of list) for (const m of s.mids) byMid.set(m, s.id);
  const pairKey = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;
  const blocked = new Set<string>();
  const forced: [number, number][] = [];
  for (const l of links) {
    const a = byMid.get(l.aMid);
    const b = byMid.get(l.bMid);
    if (a === undefined || b === undefined || a === b) continue;
    if (l.linked) forced.push([a, b]);
    else blocked.add(pairKey(a, b));
  }
  const edges: [number, number][] = [];
  const groupBy = (key: (s: ChainInput) => (string | null)[]) => {
    const groups = new Map<string, number[]>();
    for (const s of list) {
      for (const k of key(s)) {
        if (k === null || k === '') continue;
        const g = groups.get(k) ?? [];
        g.push(s.id);
        groups.set(k, g);
      }
    }
    // every pair, so that unlinking two series removes every automatic link between them
    for (const g of groups.values()) {
      for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) edges.push([g[i], g[j]]);
    }
  };
  groupBy((s) => [s.changeId]);
  groupBy((s) => [`tid:${s.tid}`]);
  groupBy((s) => [titleKey(s)]);
  groupBy((s) => [...new Set(s.patchIds)].map((p) => `${p}\0${s.authorAddr.toLowerCase()}`));
  for (const s of list) {
    for (const m of s.answers) {
      const other = byMid.get(m);
      if (other !== undefined && other !== s.id) edges.push([s.id, other]);
    }
  }
  const uf = new UnionFind();
  for (const [a, b] of edges) if (!blocked.has(pairKey(a, b))) uf.union(a, b);
  for (const [a, b] of forced) uf.union(a, b);
  return new Map(list.map((s) => [s.id, uf.find(s.id)]));
}
