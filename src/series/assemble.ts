// Patch series in one thread, as b4 assembles them (LoreMailbox): cover letters and patches by their
// [PATCH vN M/T] tags and threading, versions inferred from the cover they answer, same-author
// resends numbered on, partial rerolls filled from the previous version, and the trailers that
// replies give attributed to the patch or cover letter they answer. Unlike b4, a thread holding
// series for two targets (a kernel series and its userspace part, `[PATCH v4 0/8]` beside
// `[virtiofsd PATCH v4 0/4]`) gives two series, not one mixing both.
import { parsePatchSubject, type PatchTag } from '../mail/subject.js';
import { trailerMatchesSender, type Trailer } from '../mail/trailers.js';

export interface SeriesMessage {
  num: number;
  mid: string;
  subject: string;
  fromName: string;
  fromAddr: string;
  ds: number;
  ts: number;
  /** First id of In-Reply-To. */
  irt: string | null;
  /** Threading references, oldest first. */
  refs: string[];
  hasDiff: boolean;
  hasDiffstat: boolean;
  changeId: string | null;
  baseCommit: string | null;
  /** Trailers in the body (stored for messages without a diff). */
  trailers: Trailer[];
  patchId: string | null;
}

/** A message with b4's reading of its subject; `version` and `target` may be corrected by threading. */
interface Read extends SeriesMessage {
  tag: PatchTag;
  version: number;
  /** Its target (patchTarget) as one string: versions are told apart by target too. */
  target: string;
  total: number;
  reply: boolean;
}

export interface AttributedTrailer extends Trailer {
  /** The reply that gave it. */
  fromNum: number;
  /** It names the reply's sender (b4 applies only those). */
  matched: boolean;
}

export interface AssembledPatch {
  counter: number;
  msg: SeriesMessage;
  /** Set when a partial reroll reuses the previous version's patch. */
  fromVersion?: number;
}

export interface AssembledSeries {
  version: number;
  total: number;
  cover?: SeriesMessage;
  /** Patches 1..total that arrived, in order. */
  patches: AssembledPatch[];
  complete: boolean;
  title: string;
  author: string;
  authorAddr: string;
  rfc: boolean;
  resend: boolean;
  changeId: string | null;
  baseCommit: string | null;
  ds: number;
}

export interface ThreadSeries {
  series: AssembledSeries[];
  /** Trailers from replies, by the message (patch or cover letter) they end up on. */
  trailers: Map<number, AttributedTrailer[]>;
}

class Version {
  readonly version: number;
  readonly target: string;
  total: number;
  slots: (Read | undefined)[];
  fromVersion = new Map<number, number>();

  constructor(version: number, target: string, total: number) {
    this.version = version;
    this.target = target;
    this.total = total;
    this.slots = new Array(total + 1).fill(undefined);
  }

  get complete(): boolean {
    for (let i = 1; i <= this.total; i++) if (!this.slots[i]) return false;
    return true;
  }

  add(m: Read): void {
    while (this.slots.length < m.total + 1) this.slots.push(undefined);
    this.total = m.total;
    const c = m.tag.counter;
    const old = this.slots[c];
    if (!old || old.reply || (old.tag.counterInferred && !m.tag.counterInferred)) this.slots[c] = m;
  }
}

function read(m: SeriesMessage): Read {
  const tag = parsePatchSubject(m.subject);
  // [PATCH 6/5]: an extra patch makes the series longer
  const total = Math.max(tag.total, tag.counter);
  // a follow-up without Re: that gives trailers and no diff is still a reply
  const reply = tag.reply || (m.trailers.length > 0 && m.irt !== null && !m.hasDiff);
  return { ...m, tag, version: tag.version, target: `${tag.target.stable}\0${tag.target.tree}`, total, reply };
}

/** Versions and cover letters are found by target and version. */
const slotKey = (m: { target: string; version: number }) => `${m.target}\0${m.version}`;

/** Assemble every version found in a thread's messages (given in arrival order). */
export function assembleThread(messages: SeriesMessage[]): ThreadSeries {
  const byMid = new Map<string, Read>();
  const versions = new Map<string, Version>();
  const covers = new Map<string, Read>();
  const followups: Read[] = [];
  for (const raw of messages) {
    if (byMid.has(raw.mid)) continue;
    const m = read(raw);
    byMid.set(m.mid, m);
    if (m.reply) {
      followups.push(m);
      continue;
    }
    if (m.tag.counter === 0 && (!m.tag.counterInferred || m.hasDiffstat)) {
      covers.set(slotKey(m), m);
      continue;
    }
    if (!m.hasDiff) continue;
    if (!versions.has(slotKey(m)) && m.tag.versionInferred && m.irt) {
      // an unversioned patch answering a versioned cover letter, or patch 1, belongs to that version
      const up = byMid.get(m.irt);
      const inherit =
        (up && up.hasDiffstat && !up.hasDiff) || (up && m.tag.counter > 0 && up.hasDiff && up.tag.counter === 1);
      if (up && inherit) {
        m.version = up.version;
        m.target = up.target;
      }
    }
    if (!versions.has(slotKey(m))) versions.set(slotKey(m), new Version(m.version, m.target, m.total));
    // the same author sending an unnumbered, unversioned patch again: a new version
    if (m.tag.counter === 1 && m.tag.counterInferred && m.tag.patch && !m.tag.resend) {
      const o = versions.get(slotKey(m))!.slots[1];
      if (o && o.tag.counterInferred && o.fromAddr === m.fromAddr && o.ds < m.ds) {
        m.version = [...versions.values()].filter((v) => v.target === m.target).length + 1;
        versions.set(slotKey(m), new Version(m.version, m.target, m.total));
      }
    }
    versions.get(slotKey(m))!.add(m);
  }

  const sorted = [...versions.values()].sort((a, b) =>
    a.target === b.target ? a.version - b.version : a.target < b.target ? -1 : 1,
  );
  const series = sorted.map((v, i) => {
    const prev = i > 0 && sorted[i - 1].target === v.target ? sorted[i - 1] : undefined;
    return build(v, prev, covers.get(slotKey(v)), byMid);
  });
  return { series: series.filter((s): s is AssembledSeries => s !== undefined), trailers: attribute(followups, byMid) };
}

/** A partial reroll (vN patches answering the same patches of vN-1) takes its missing patches from vN-1. */
function reroll(v: Version, prev: Version, byMid: Map<string, Read>): void {
  for (const p of v.slots.slice(1)) {
    if (!p) continue;
    let up = p.irt ? byMid.get(p.irt) : undefined;
    let found = false;
    while (up) {
      if (up.tag.counter === p.tag.counter && up.total === p.total) {
        found = true;
        break;
      }
      up = up.irt ? byMid.get(up.irt) : undefined;
    }
    if (!found) return;
  }
  for (let i = 1; i <= v.total; i++) {
    if (!v.slots[i] && prev.slots[i]) {
      v.slots[i] = prev.slots[i];
      v.fromVersion.set(i, prev.version);
    }
  }
}

function build(
  v: Version,
  prev: Version | undefined,
  cover: Read | undefined,
  byMid: Map<string, Read>,
): AssembledSeries | undefined {
  if (!v.slots.slice(1).some(Boolean)) return undefined;
  if (!v.complete && prev) reroll(v, prev, byMid);
  if (!cover) {
    // no 0/N: the message patch 1 answers is the cover letter if it has a diffstat and no diff
    for (const p of v.slots) {
      const up = p?.irt ? byMid.get(p.irt) : undefined;
      if (up && up.hasDiffstat && !up.hasDiff) {
        cover = up;
        break;
      }
    }
  }
  const patches: AssembledPatch[] = [];
  for (let i = 1; i < v.slots.length; i++) {
    const m = v.slots[i];
    if (m) patches.push({ counter: i, msg: strip(m), fromVersion: v.fromVersion.get(i) });
  }
  const head = cover ?? v.slots.find((m, i) => i > 0 && m)!;
  const first = patches[0].msg;
  return {
    version: v.version,
    total: v.total,
    cover: cover && strip(cover),
    patches,
    complete: v.complete,
    title: (head as Read).tag.title,
    author: head.fromName || head.fromAddr,
    authorAddr: head.fromAddr,
    rfc: (head as Read).tag.rfc,
    resend: (head as Read).tag.resend,
    changeId: cover?.changeId ?? patches.find((p) => p.msg.changeId)?.msg.changeId ?? null,
    baseCommit: cover?.baseCommit ?? first.baseCommit ?? null,
    ds: Math.min(head.ds, first.ds),
  };
}

function strip(m: Read): SeriesMessage {
  const { tag: _t, version: _v, target: _g, total: _n, reply: _r, ...rest } = m;
  return rest;
}

/**
 * Each reply's trailers go up its In-Reply-To chain to the first patch or cover letter, picking
 * up the trailers of the replies in between (LoreMailbox.get_series' follow-up walk).
 */
function attribute(followups: Read[], byMid: Map<string, Read>): Map<number, AttributedTrailer[]> {
  const out = new Map<number, AttributedTrailer[]>();
  for (const f of followups) {
    if (!f.trailers.length) continue;
    let target: Read | undefined = f.irt
      ? byMid.get(f.irt)
      : f.refs.map((r) => byMid.get(r)).find((m) => m && m.mid !== f.mid);
    if (f.irt && !target) continue;
    const trailers: AttributedTrailer[] = f.trailers.map((t) => ({
      ...t,
      fromNum: f.num,
      matched: trailerMatchesSender(t, f.fromName, f.fromAddr),
    }));
    const seen = new Set<Read>();
    while (target && !seen.has(target)) {
      seen.add(target);
      if (!target.reply) {
        const list = out.get(target.num) ?? [];
        list.push(...trailers);
        out.set(target.num, list);
        break;
      }
      const up: Read | undefined = target.irt ? byMid.get(target.irt) : undefined;
      if (!up) break;
      for (const t of target.trailers) trailers.push({ ...t, fromNum: target.num, matched: true });
      target = up;
    }
  }
  return out;
}
