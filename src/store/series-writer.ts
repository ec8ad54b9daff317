// Keeps the series tables in step with the messages: the threads a batch touched are assembled
// again (series/assemble.ts) inside the batch's transaction, and their inboxes' version chains
// recomputed (series/chains.ts), so readers never see a series without its messages.
import type { Db } from './open-database.js';
import { ChangeLog, changeKey } from './change-log.js';
import { assembleThread, type SeriesMessage } from '../series/assemble.js';
import { chainSeries, type ChainInput, type ChainLink } from '../series/chains.js';
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
  tid: number;
  title: string;
  authorAddr: string;
  changeId: string | null;
  subject: string;
  /** The first message's parent references, one a line. */
  refs: string | null;
}

/**
 * Everything of a series that its version chain is worked out from (see relink): its ids, thread,
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
    >(`SELECT s.id, s.chain, s.tid, s.title, s.author_addr AS authorAddr, s.change_id AS changeId,
                      m.subject, m.refs FROM series s JOIN msg m ON m.num = s.first_num WHERE s.inbox_id = ?`),
    seriesPatches: db.prepare<
      [number],
      { seriesId: number; patchId: string | null; mid: string }
    >(`SELECT sp.series_id AS seriesId, sp.patch_id AS patchId, m.mid FROM series_patch sp JOIN series s ON s.id = sp.series_id
                      JOIN msg m ON m.num = sp.num WHERE s.inbox_id = ?`),
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

  constructor(db: Db, changes = new ChangeLog()) {
    this.changes = changes;
    this.st = statements(db);
    this.db = db;
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
      for (const r of [...ra, ...rb]) this.st.markDirty.run(r.inboxId);
      this.relinkDirty();
      this.changes.flush(this.db);
    })();
  }

  /**
   * Assemble these threads again (some may be gone, merged into others) and mark their inboxes'
   * chains for recomputing where what chains are made of changed. Chains are recomputed once per
   * ingest, not per batch: relinking reads every series of an inbox.
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
    this.relink(dirty);
    this.st.clearDirty.run();
    // pages cached before the relink showed the old chains
    this.st.edited.run();
  }

  /**
   * Assemble the threads again; the inboxes whose chains must be worked out again: those where what
   * chains are made of changed (a new series or version, a thread merged; not a reply or a review,
   * the most of what arrives: relinking reads every series of the inbox).
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
        if (old.chain !== null) this.changes.note(changeKey.chain(old.chain));
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
      for (const p of s.patches) this.st.insPatch.run(id, p.counter, p.msg.num, p.msg.patchId, p.fromVersion ?? null);
      if (s.cover) this.st.insPatch.run(id, 0, s.cover.num, null, null);
      for (const r of rows) this.st.insTrailer.run(id, ...r);
    }
    return assembled.series.length > 0;
  }

  /** Recompute the version chains of these inboxes. */
  private relink(inboxIds: Iterable<number>): void {
    const links = this.st.links.all().map((l): ChainLink => ({
      ...l,
      linked: !!l.linked,
    }));
    for (const inboxId of inboxIds) {
      const inputs = new Map<number, ChainInput>();
      const was = new Map<number, number | null>();
      for (const s of this.st.inboxSeries.all(inboxId)) {
        was.set(s.id, s.chain);
        const refs = s.refs ?? '';
        inputs.set(s.id, {
          id: s.id,
          tid: s.tid,
          title: s.title,
          authorAddr: s.authorAddr,
          changeId: s.changeId,
          patchIds: [],
          mids: [],
          answers: refs ? refs.split('\n') : [],
          target: parsePatchSubject(s.subject).target,
        });
      }
      for (const p of this.st.seriesPatches.all(inboxId)) {
        const s = inputs.get(p.seriesId)!;
        s.mids.push(p.mid);
        if (p.patchId) s.patchIds.push(p.patchId);
      }
      const chains = chainSeries([...inputs.values()], links);
      for (const [id, chain] of chains) {
        const before = was.get(id) ?? null;
        if (before === chain) continue;
        this.st.setChain.run(chain, id);
        // both chains now read otherwise: the one it left and the one it joined
        if (before !== null) this.changes.note(changeKey.chain(before));
        this.changes.note(changeKey.chain(chain));
      }
    }
  }
}
