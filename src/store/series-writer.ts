// Keeps the series tables in step with the messages: the threads a batch touched are assembled
// again (series/assemble.ts) inside the batch's transaction, and their inboxes' version chains
// recomputed (series/chains.ts), so readers never see a series without its messages.
import { createHash } from 'node:crypto';
import type { Db } from './open-database.js';
import { ChangeLog, changeKey } from './change-log.js';
import { assembleThread, type SeriesMessage } from '../series/assemble.js';
import { chainKeys, chainSeries, type ChainInput, type ChainLink, type KeyedSeries } from '../series/chains.js';
import { parsePatchSubject } from '../mail/subject.js';

interface MemberRow {
  num: number;
  inboxId: number;
  mid: string;
  subject: string;
  fromNames: string;
  fromAddr: string;
  ds: number;
  ts: number;
  irt: string | null;
  refs: string | null;
  b4Diff: number;
  b4Diffstat: number;
  changeId: string | null;
  baseCommit: string | null;
  patchId: string | null;
}

const COUNTED = new Set(['reviewed-by', 'acked-by', 'tested-by']);

/** A series of an inbox as its version chain is worked out. */
interface InboxSeriesRow {
  id: number;
  chain: number | null;
  /** Sent (series.ds): chainSeries reads an inbox's series by it, then by id. */
  ds: number;
  tid: number;
  title: string;
  authorAddr: string;
  changeId: string | null;
  subject: string;
  /** The first message's parent references, one a line. */
  refs: string | null;
}

/**
 * Everything of a series that its version chain is worked out from (see relinkWhole): its ids, thread,
 * title, author, change-id, its first message's subject (its target) and references, and the
 * patch-id and Message-ID of each of its messages (series_patch's order).
 */
interface ChainFactsRow extends Omit<InboxSeriesRow, 'chain'> {
  inboxId: number;
  /** JSON: [patch-id, Message-ID] of each message. */
  patches: string;
}

/** The series writer's statements; those that return rows typed with them. */
function statements(db: Db) {
  return {
    members: db.prepare<
      [number],
      MemberRow
    >(`SELECT m.num, m.inbox_id AS inboxId, m.mid, m.subject, m.from_names AS fromNames, m.from_addr AS fromAddr,
                  m.ds, m.ts, m.irt, m.refs, m.b4_diff AS b4Diff, m.b4_diffstat AS b4Diffstat, m.change_id AS changeId,
                  m.base_commit AS baseCommit, (SELECT patchid FROM patchid p WHERE p.num = m.num ORDER BY rowid LIMIT 1) AS patchId
                FROM msg m WHERE m.tid = ? AND m.num > 0 AND m.quarantine IS NULL ORDER BY m.num`),
    trailers: db.prepare<[number], { num: number; name: string; value: string }>(
      `SELECT t.num, t.name, t.value FROM msg_trailer t JOIN msg m ON m.num = t.num WHERE m.tid = ? ORDER BY t.num, t.pos`,
    ),
    chainFacts: db.prepare<[number], ChainFactsRow>(
      `SELECT s.inbox_id AS inboxId, s.id, s.tid, s.title, s.author_addr AS authorAddr, s.change_id AS changeId,
              m.subject, m.refs,
              (SELECT json_group_array(json_array(sp.patch_id, pm.mid)) FROM series_patch sp
                 JOIN msg pm ON pm.num = sp.num WHERE sp.series_id = s.id) AS patches
         FROM series s JOIN msg m ON m.num = s.first_num WHERE s.tid = ? ORDER BY s.id`,
    ),
    oldSeries: db.prepare<[number], { id: number; inboxId: number; chain: number | null }>(
      'SELECT id, inbox_id AS inboxId, chain FROM series WHERE tid = ?',
    ),
    delSeries: db.prepare('DELETE FROM series WHERE id = ?'),
    delPatches: db.prepare('DELETE FROM series_patch WHERE series_id = ?'),
    delTrailers: db.prepare('DELETE FROM series_trailer WHERE series_id = ?'),
    insSeries:
      db.prepare(`INSERT INTO series (id, inbox_id, tid, version, total, cover_num, first_num, title, author, author_addr, ds, ts,
                    present, complete, rfc, resend, change_id, base_commit, reviews, chain)
                  VALUES (@id, @inboxId, @tid, @version, @total, @coverNum, @firstNum, @title, @author, @authorAddr, @ds, @ts,
                    @present, @complete, @rfc, @resend, @changeId, @baseCommit, @reviews, @chain)`),
    insPatch: db.prepare(
      'INSERT INTO series_patch (series_id, counter, num, patch_id, from_version) VALUES (?, ?, ?, ?, ?)',
    ),
    insTrailer: db.prepare(
      'INSERT INTO series_trailer (series_id, counter, name, value, from_num, matched) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    inboxSeries: db.prepare<
      [number],
      InboxSeriesRow
    >(`SELECT s.id, s.chain, s.ds, s.tid, s.title, s.author_addr AS authorAddr, s.change_id AS changeId,
                      m.subject, m.refs FROM series s JOIN msg m ON m.num = s.first_num WHERE s.inbox_id = ?
                      ORDER BY s.ds, s.id`),
    seriesPatches: db.prepare<
      [number],
      { seriesId: number; patchId: string | null; mid: string }
    >(`SELECT sp.series_id AS seriesId, sp.patch_id AS patchId, m.mid FROM series_patch sp JOIN series s ON s.id = sp.series_id
                      JOIN msg m ON m.num = sp.num WHERE s.inbox_id = ? ORDER BY sp.series_id, sp.counter`),
    // one series, as inboxSeries and seriesPatches read each of an inbox's
    oneSeries: db.prepare<[number], InboxSeriesRow>(
      `SELECT s.id, s.chain, s.ds, s.tid, s.title, s.author_addr AS authorAddr, s.change_id AS changeId,
              m.subject, m.refs FROM series s JOIN msg m ON m.num = s.first_num WHERE s.id = ?`,
    ),
    onePatches: db.prepare<[number], { patchId: string | null; mid: string }>(
      `SELECT sp.patch_id AS patchId, m.mid FROM series_patch sp JOIN msg m ON m.num = sp.num
         WHERE sp.series_id = ? ORDER BY sp.counter`,
    ),
    // the series a series may be chained with: by key, thread, chain, or a message of theirs
    byKey: db
      .prepare<[number, number], number>('SELECT series_id FROM series_key WHERE inbox_id = ? AND hash = ?')
      .pluck(),
    byTid: db.prepare<[number, number], number>('SELECT id FROM series WHERE tid = ? AND inbox_id = ?').pluck(),
    byChain: db.prepare<[number, number], number>('SELECT id FROM series WHERE chain = ? AND inbox_id = ?').pluck(),
    byMid: db
      .prepare<[string, number], number>(
        `SELECT sp.series_id FROM msgid i JOIN id2num x ON x.id = i.id JOIN series_patch sp ON sp.num = x.num
         JOIN series s ON s.id = sp.series_id WHERE i.mid = ? AND s.inbox_id = ?`,
      )
      .pluck(),
    insKey: db.prepare('INSERT OR IGNORE INTO series_key (inbox_id, hash, series_id) VALUES (?, ?, ?)'),
    delKeys: db.prepare('DELETE FROM series_key WHERE series_id = ?'),
    inboxes: db.prepare<[], number>('SELECT DISTINCT inbox_id FROM series ORDER BY inbox_id').pluck(),
    links: db.prepare<[], { aMid: string; bMid: string; linked: number }>(
      'SELECT a_mid AS aMid, b_mid AS bMid, linked FROM series_link',
    ),
    setChain: db.prepare('UPDATE series SET chain = ? WHERE id = ?'),
    markDirty: db.prepare('INSERT OR IGNORE INTO series_dirty (inbox_id) VALUES (?)'),
    dirty: db.prepare<[], number>('SELECT inbox_id FROM series_dirty').pluck(),
    clearDirty: db.prepare('DELETE FROM series_dirty'),
    seriesOfMid: db.prepare<
      [string],
      { mid: string; inboxId: number }
    >(`SELECT m.mid, s.inbox_id AS inboxId FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                    JOIN series_patch sp ON sp.num = m.num JOIN series s ON s.id = sp.series_id WHERE i.mid = ?`),
    unsetLink: db.prepare('DELETE FROM series_link WHERE (a_mid = @a AND b_mid = @b) OR (a_mid = @b AND b_mid = @a)'),
    setLink: db.prepare('INSERT INTO series_link (a_mid, b_mid, linked) VALUES (@a, @b, @linked)'),
    edited: db.prepare(`UPDATE counter SET val = val + 1 WHERE key = 'edits'`),
  };
}

export class SeriesWriter {
  private readonly st: ReturnType<typeof statements>;
  private readonly db: Db;
  /** Which chains changed, for servers' caches (written by whoever commits). */
  private readonly changes: ChangeLog;
  /**
   * By inbox, the series assembled since the last relink and the chains the series they replaced
   * were in: a relink needs to look no further than the series these may be chained with.
   */
  private readonly touched = new Map<number, { series: Set<number>; chains: Set<number> }>();
  /**
   * Inboxes whose chains wait for reasons this writer did not see (an ingest interrupted before its
   * relink, a migration, links changed): their every series is chained again.
   */
  private readonly whole: Set<number>;

  constructor(db: Db, changes = new ChangeLog()) {
    this.changes = changes;
    this.st = statements(db);
    this.db = db;
    this.whole = new Set(this.st.dirty.all());
  }

  /**
   * An administrator's correction: the series holding message `a` and the one holding `b` are
   * versions of one series (linked) or never are (unlinked). Replaces any earlier word on the pair.
   */
  setLink(a: string, b: string, linked: boolean): void {
    // links name messages by their primary Message-ID, as chains see them
    const [ra, rb] = [a, b].map((mid) => {
      const rows = this.st.seriesOfMid.all(mid);
      if (!rows.length) throw new Error(`no patch series holds <${mid}>`);
      return rows;
    });
    this.db.transaction(() => {
      this.st.unsetLink.run({ a: ra[0].mid, b: rb[0].mid });
      this.st.setLink.run({ a: ra[0].mid, b: rb[0].mid, linked: linked ? 1 : 0 });
      for (const r of [...ra, ...rb]) {
        this.st.markDirty.run(r.inboxId);
        this.whole.add(r.inboxId);
      }
      this.relinkDirty();
      this.changes.flush(this.db);
    })();
  }

  /**
   * Assemble these threads again (some may be gone, merged into others) and mark their inboxes'
   * chains for recomputing where what chains are made of changed. Chains are recomputed once per
   * ingest, not per batch: a relink reads the lineages of every series assembled since the last.
   */
  rebuild(tids: Iterable<number>): void {
    for (const inboxId of this.rebuildThreads(tids)) this.st.markDirty.run(inboxId);
  }

  /**
   * What the chains of each inbox are worked out from, for the series of these threads (by inbox,
   * a string to compare). Equal before and after a rebuild: the chains cannot have changed.
   */
  private chainFacts(tids: Set<number>): Map<number, string> {
    const rows = new Map<number, ChainFactsRow[]>();
    for (const tid of tids) {
      for (const r of this.st.chainFacts.all(tid)) {
        const list = rows.get(r.inboxId) ?? [];
        list.push(r);
        rows.set(r.inboxId, list);
      }
    }
    return new Map([...rows].map(([inboxId, list]) => [inboxId, JSON.stringify(list.sort((a, b) => a.id - b.id))]));
  }

  /** Recompute the chains of every inbox marked since (even by an interrupted ingest). */
  relinkDirty(): void {
    const dirty = this.st.dirty.all();
    if (!dirty.length) return;
    const links = this.links();
    for (const inboxId of dirty) {
      const touched = this.touched.get(inboxId);
      if (touched && !this.whole.has(inboxId)) this.relinkAround(inboxId, touched.series, touched.chains, links);
      else this.relinkWhole(inboxId, links);
    }
    this.relinked();
  }

  /** Recompute the chains of every series of every inbox from scratch (links changed, a migration). */
  relinkAll(): void {
    const inboxes = this.st.inboxes.all();
    // (as relinkDirty: a store with nothing to chain is left as it is)
    if (!inboxes.length && !this.st.dirty.all().length) return;
    const links = this.links();
    for (const inboxId of inboxes) this.relinkWhole(inboxId, links);
    this.relinked();
  }

  /** Nothing waits to be chained any more. */
  private relinked(): void {
    this.touched.clear();
    this.whole.clear();
    this.st.clearDirty.run();
    // pages cached before the relink showed the old chains
    this.st.edited.run();
  }

  /**
   * Assemble the threads again; the inboxes whose chains must be worked out again: those where what
   * chains are made of changed (a new series or version, a thread merged; not a reply or a review,
   * the most of what arrives: a relink reads every series these may be chained with).
   */
  private rebuildThreads(tids: Iterable<number>): Set<number> {
    const tidSet = new Set(tids);
    const factsBefore = this.chainFacts(tidSet);
    const inboxes = new Set<number>();
    // every old series goes first: a new series takes its first message's number as id, and that
    // message may have been in another of these threads (merged since) a moment ago
    const before = new Map<number, Map<number, number | null>>();
    /** Each old series' chain: a series assembled again keeps it (until a relink, if one is needed). */
    const chainOf = new Map<number, number | null>();
    for (const tid of tidSet) {
      // until the end of the ingest relinks them, a new series starts in the chain of its thread's
      // first old one (or its own), so pages read between the two never find a series outside any chain
      const chains = new Map<number, number | null>();
      for (const old of this.st.oldSeries.all(tid)) {
        if (!chains.has(old.inboxId)) chains.set(old.inboxId, old.chain);
        chainOf.set(old.id, old.chain);
        if (old.chain !== null) {
          this.changes.note(changeKey.chain(old.chain));
          this.touchedIn(old.inboxId).chains.add(old.chain);
        }
        this.st.delKeys.run(old.id);
        this.st.delPatches.run(old.id);
        this.st.delTrailers.run(old.id);
        this.st.delSeries.run(old.id);
        inboxes.add(old.inboxId);
      }
      before.set(tid, chains);
    }
    for (const [tid, chains] of before) {
      const rows = this.st.members.all(tid);
      if (!rows.some((r) => r.b4Diff)) continue;
      const trailers = new Map<number, { name: string; value: string }[]>();
      for (const t of this.st.trailers.all(tid)) {
        const list = trailers.get(t.num) ?? [];
        list.push({ name: t.name, value: t.value });
        trailers.set(t.num, list);
      }
      const byInbox = new Map<number, MemberRow[]>();
      for (const r of rows) {
        const list = byInbox.get(r.inboxId) ?? [];
        list.push(r);
        byInbox.set(r.inboxId, list);
      }
      for (const [inboxId, members] of byInbox) {
        if (this.insertThread(tid, inboxId, members, trailers, chainOf, chains.get(inboxId) ?? null))
          inboxes.add(inboxId);
      }
    }
    // (the new series are all in these threads, as the old ones were)
    const factsAfter = this.chainFacts(tidSet);
    return new Set([...inboxes].filter((ib) => factsBefore.get(ib) !== factsAfter.get(ib)));
  }

  private insertThread(
    tid: number,
    inboxId: number,
    members: MemberRow[],
    trailers: Map<number, { name: string; value: string }[]>,
    /** The chain each old series was in; `chain` for a series that is new. */
    chainOf: Map<number, number | null>,
    chain: number | null,
  ): boolean {
    const messages: SeriesMessage[] = members.map((r) => ({
      num: r.num,
      mid: r.mid,
      subject: r.subject,
      fromName: r.fromNames,
      fromAddr: r.fromAddr,
      ds: r.ds,
      ts: r.ts,
      irt: r.irt,
      refs: r.refs ? r.refs.split('\n') : [],
      hasDiff: !!r.b4Diff,
      hasDiffstat: !!r.b4Diffstat,
      changeId: r.changeId,
      baseCommit: r.baseCommit,
      trailers: trailers.get(r.num) ?? [],
      patchId: r.patchId,
    }));
    const assembled = assembleThread(messages);
    const newest = Math.max(...members.map((m) => m.ts));
    for (const s of assembled.series) {
      // a patch is its version's alone (a partial reroll borrows patches without owning them; a cover
      // letter may be shared), and every version has one of its own: ids follow from content alone
      const id = Math.min(...s.patches.filter((p) => !p.fromVersion).map((p) => p.msg.num));
      const given = [
        ...(s.cover ? [{ counter: 0, num: s.cover.num }] : []),
        ...s.patches.map((p) => ({ counter: p.counter, num: p.msg.num })),
      ];
      const inChain = (chainOf.has(id) ? chainOf.get(id) : chain) ?? id;
      let reviews = 0;
      const rows: [number, string, string, number, number][] = [];
      for (const { counter, num } of given) {
        for (const t of assembled.trailers.get(num) ?? []) {
          rows.push([counter, t.name, t.value + (t.extinfo ?? ''), t.fromNum, t.matched ? 1 : 0]);
          if (t.matched && COUNTED.has(t.name.toLowerCase())) reviews++;
        }
      }
      this.st.insSeries.run({
        id,
        inboxId,
        tid,
        version: s.version,
        total: s.total,
        coverNum: s.cover?.num ?? null,
        firstNum: s.cover?.num ?? s.patches[0].msg.num,
        title: s.title,
        author: s.author,
        authorAddr: s.authorAddr,
        ds: s.ds,
        ts: newest,
        present: s.patches.length,
        complete: s.complete ? 1 : 0,
        rfc: s.rfc ? 1 : 0,
        resend: s.resend ? 1 : 0,
        changeId: s.changeId,
        baseCommit: s.baseCommit,
        reviews,
        chain: inChain,
      });
      this.changes.note(changeKey.chain(inChain));
      this.touchedIn(inboxId).series.add(id);
      this.writeKeys(inboxId, id, {
        changeId: s.changeId,
        title: s.title,
        authorAddr: s.authorAddr,
        patchIds: s.patches.flatMap((p) => (p.msg.patchId ? [p.msg.patchId] : [])),
      });
      for (const p of s.patches) this.st.insPatch.run(id, p.counter, p.msg.num, p.msg.patchId, p.fromVersion ?? null);
      if (s.cover) this.st.insPatch.run(id, 0, s.cover.num, null, null);
      for (const r of rows) this.st.insTrailer.run(id, ...r);
    }
    return assembled.series.length > 0;
  }

  private touchedIn(inboxId: number): { series: Set<number>; chains: Set<number> } {
    let t = this.touched.get(inboxId);
    if (!t) this.touched.set(inboxId, (t = { series: new Set(), chains: new Set() }));
    return t;
  }

  private links(): ChainLink[] {
    return this.st.links.all().map((l): ChainLink => ({ ...l, linked: !!l.linked }));
  }

  /** Recompute the version chains of every series of an inbox. */
  private relinkWhole(inboxId: number, links: ChainLink[]): void {
    const was = new Map<number, number | null>();
    const inputs = this.inputsOf(inboxId, was);
    this.setChains(chainSeries([...inputs.values()], links), was);
  }

  /** Every series of an inbox as chainSeries reads it, by id; `was` hears the chain each has. */
  private inputsOf(inboxId: number, was?: Map<number, number | null>): Map<number, ChainInput> {
    const inputs = new Map<number, ChainInput>();
    for (const s of this.st.inboxSeries.all(inboxId)) {
      was?.set(s.id, s.chain);
      inputs.set(s.id, chainInput(s));
    }
    for (const p of this.st.seriesPatches.all(inboxId)) {
      const s = inputs.get(p.seriesId)!;
      s.mids.push(p.mid);
      if (p.patchId) s.patchIds.push(p.patchId);
    }
    return inputs;
  }

  /**
   * Recompute the version chains of the series assembled since the last relink and of every series
   * they may be chained with, directly or through others: all that share a key (chainKeys), a thread
   * (whose series answer each other), a chain (which may split), a message a series answers, or an
   * administrator's link or unlink. Closed under all of these, the set holds whole groups of every
   * signal chainSeries reads, in the same order as the inbox's (sent, then id), so it chains them exactly as
   * relinkWhole would; every series outside it keeps the chain it had. A new version costs the
   * series of its lineage, not the inbox's.
   */
  private relinkAround(inboxId: number, series: Set<number>, chains: Set<number>, links: ChainLink[]): void {
    const rows = new Map<number, InboxSeriesRow>();
    const inputs = new Map<number, ChainInput>();
    const seen = new Set<number>();
    const queue: number[] = [];
    const reach = (ids: Iterable<number>) => {
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        queue.push(id);
      }
    };
    reach(series);
    for (const chain of chains) reach(this.st.byChain.all(chain, inboxId));
    while (queue.length) {
      const id = queue.pop()!;
      const row = this.st.oneSeries.get(id);
      // (a series assembled in one batch may be gone by the next: its thread assembled again)
      if (!row) continue;
      rows.set(id, row);
      const s = chainInput(row);
      for (const p of this.st.onePatches.all(id)) {
        s.mids.push(p.mid);
        if (p.patchId) s.patchIds.push(p.patchId);
      }
      inputs.set(id, s);
      for (const k of chainKeys(s)) reach(this.st.byKey.all(inboxId, keyHash(k)));
      reach(this.st.byTid.all(s.tid, inboxId));
      if (row.chain !== null) reach(this.st.byChain.all(row.chain, inboxId));
      for (const mid of s.answers) reach(this.st.byMid.all(mid, inboxId));
      const mids = new Set(s.mids);
      for (const l of links) {
        if (mids.has(l.aMid)) reach(this.st.byMid.all(l.bMid, inboxId));
        if (mids.has(l.bMid)) reach(this.st.byMid.all(l.aMid, inboxId));
      }
    }
    const list = [...inputs.values()].sort((a, b) => rows.get(a.id)!.ds - rows.get(b.id)!.ds || a.id - b.id);
    this.setChains(chainSeries(list, links), new Map([...rows].map(([id, r]) => [id, r.chain])));
  }

  private writeKeys(inboxId: number, id: number, s: KeyedSeries): void {
    for (const k of chainKeys(s)) this.st.insKey.run(inboxId, keyHash(k), id);
  }

  /** Write the keys of every series again (a store whose series had none). */
  rekeyAll(): void {
    this.db.exec('DELETE FROM series_key');
    for (const inboxId of this.st.inboxes.all()) {
      const inputs = this.inputsOf(inboxId);
      for (const s of inputs.values()) this.writeKeys(inboxId, s.id, s);
    }
  }

  /** Store the chains that changed, and note both the chain each left and the one it joined. */
  private setChains(chains: Map<number, number>, was: Map<number, number | null>): void {
    for (const [id, chain] of chains) {
      const before = was.get(id) ?? null;
      if (before === chain) continue;
      this.st.setChain.run(chain, id);
      if (before !== null) this.changes.note(changeKey.chain(before));
      this.changes.note(changeKey.chain(chain));
    }
  }
}

/** A series as chainSeries reads it, its patches and their Message-IDs still to add. */
function chainInput(s: InboxSeriesRow): ChainInput {
  const refs = s.refs ?? '';
  return {
    id: s.id,
    tid: s.tid,
    title: s.title,
    authorAddr: s.authorAddr,
    changeId: s.changeId,
    patchIds: [],
    mids: [],
    answers: refs ? refs.split('\n') : [],
    target: parsePatchSubject(s.subject).target,
  };
}

/**
 * A key as series_key holds it: the first 48 bits of its SHA-256 (a few bytes whatever the title's
 * length; two keys sharing a hash only bring one more series into a relink, never a wrong chain).
 */
function keyHash(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6);
}
