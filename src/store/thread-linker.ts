// Thread ids as public-inbox's OverIdx assigns them: ghosts for referenced ids we do not hold,
// threads merged when a ghost is vivified or a message links two threads. Iterative, so loops
// and 3,000-deep chains cost no stack.
import { mustHave, type Db } from './open-database.js';
import { closestOf } from '../mail/thread-tree.js';

/** The linker's statements; those that return rows typed with them. */
function statements(db: Db) {
  return {
    counterBump: db.prepare<[number, string], { val: number }>(
      'UPDATE counter SET val = val + ? WHERE key = ? RETURNING val',
    ),
    midId: db.prepare<[string], { id: number }>('SELECT id FROM msgid WHERE mid = ?'),
    midInsert: db.prepare('INSERT INTO msgid (mid) VALUES (?)'),
    numsByMid: db.prepare<[string], { num: number }>(
      'SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id WHERE i.mid = ? ORDER BY x.num',
    ),
    tidOf: db.prepare<[number], { tid: number }>('SELECT tid FROM msg WHERE num = ?'),
    merge: db.prepare('UPDATE msg SET tid = ? WHERE tid = ?'),
    ghostInsert: db.prepare('INSERT INTO msg (num, tid) VALUES (?, ?)'),
    delMsg: db.prepare('DELETE FROM msg WHERE num = ?'),
    delIds: db.prepare('DELETE FROM id2num WHERE num = ?'),
    idsOf: db.prepare<[number], { id: number; mid: string }>(
      'SELECT x.id, i.mid FROM id2num x JOIN msgid i ON i.id = x.id WHERE x.num = ?',
    ),
    held: db.prepare<[number], number>('SELECT 1 FROM id2num WHERE id = ? LIMIT 1').pluck(),
    refsIn: db.prepare<[number], string>(`SELECT refs FROM msg WHERE tid = ? AND num > 0 AND refs != ''`).pluck(),
    mapId: db.prepare('INSERT OR IGNORE INTO id2num (id, num) VALUES (?, ?)'),
    subjectId: db.prepare<[string], { id: number }>('SELECT id FROM subject WHERE key = ?'),
    subjectInsert: db.prepare('INSERT INTO subject (key) VALUES (?)'),
  };
}

export class ThreadLinker {
  private readonly st: ReturnType<typeof statements>;
  /** Threads merged into others since the last takeMerged(): whatever was derived from them is stale. */
  private merged = new Set<number>();

  constructor(db: Db) {
    this.st = statements(db);
  }

  newThread(): number {
    return mustHave(this.st.counterBump.get(1, 'thread'), 'thread counter').val;
  }

  private midId(mid: string): number {
    const row = this.st.midId.get(mid);
    return row ? row.id : Number(this.st.midInsert.run(mid).lastInsertRowid);
  }

  subjectId(key: string | null): number | null {
    if (key === null) return null;
    const row = this.st.subjectId.get(key);
    return row ? row.id : Number(this.st.subjectInsert.run(key).lastInsertRowid);
  }

  /** Map every id of a stored message to its number. */
  mapIds(mids: string[], num: number): void {
    for (const mid of mids) this.st.mapId.run(this.midId(mid), num);
  }

  private merge(winner: number, loser: number): void {
    if (winner === loser) return;
    this.st.merge.run(winner, loser);
    this.merged.add(loser);
  }

  takeMerged(): number[] {
    const out = [...this.merged];
    this.merged = new Set();
    return out;
  }

  /** Rows holding this id (ghosts first, as their numbers are negative), each with its current tid. */
  private *rows(mid: string): Generator<{ num: number; tid: number }> {
    const nums = this.st.numsByMid.all(mid).map((r) => r.num);
    for (const num of nums) {
      const row = this.st.tidOf.get(num);
      if (row) yield { num, tid: row.tid };
    }
  }

  /** The thread of a referenced id, merging every copy's thread into the first; a new ghost if unknown. */
  private resolve(mid: string): number {
    let tid: number | undefined;
    for (const row of this.rows(mid)) {
      if (tid === undefined) tid = row.tid;
      else this.merge(tid, row.tid);
    }
    if (tid !== undefined) return tid;
    tid = this.newThread();
    this.ghost(this.midId(mid), tid);
    return tid;
  }

  /** A row for an id that is referred to but not held. */
  private ghost(id: number, tid: number): void {
    const ghostNum = -mustHave(this.st.counterBump.get(1, 'ghost'), 'ghost counter').val;
    this.st.ghostInsert.run(ghostNum, tid);
    this.st.mapId.run(id, ghostNum);
  }

  /**
   * The ids of a message just removed from thread `tid`: each one that no other message holds and
   * that another message of the thread refers to (as linking did: its closest references) stays
   * there as a ghost, so the replies keep their place and a copy arriving later joins them.
   */
  release(num: number, tid: number): void {
    const ids = this.st.idsOf.all(num);
    this.st.delIds.run(num);
    const referred = new Set<string>();
    for (const refs of this.st.refsIn.all(tid)) for (const r of closestOf(refs.split('\n'))) referred.add(r);
    for (const { id, mid } of ids) if (referred.has(mid) && !this.st.held.get(id)) this.ghost(id, tid);
  }

  /** The first reference decides the thread; every later one is merged into it (link_refs). */
  private linkRefs(refs: string[], oldTid: number | undefined): number {
    if (!refs.length) return oldTid ?? this.newThread();
    const tid = this.resolve(refs[0]);
    if (oldTid !== undefined) this.merge(tid, oldTid);
    for (let i = 1; i < refs.length; i++) this.merge(tid, this.resolve(refs[i]));
    return tid;
  }

  /**
   * The thread for a new message (add_over): join the threads of earlier copies of its ids,
   * vivify ghosts waiting for it, then link its references.
   */
  assign(mids: string[], allRefs: string[]): number {
    // the closest references only, as pages draw them: each costs a ghost row and a merge, and a
    // hostile message naming thousands would slow the ingest to a crawl (real mail names a few dozen)
    const refs = closestOf(allRefs);
    let oldTid: number | undefined;
    let vivified = 0;
    for (const mid of mids) {
      for (const row of this.rows(mid)) {
        if (row.num > 0) {
          oldTid ??= row.tid;
          this.merge(oldTid, row.tid);
        } else {
          oldTid ??= row.tid;
          oldTid = this.linkRefs(refs, oldTid);
          this.st.delMsg.run(row.num);
          this.st.delIds.run(row.num);
          vivified++;
        }
      }
    }
    // a vivified ghost gave oldTid
    return vivified && oldTid !== undefined ? oldTid : this.linkRefs(refs, oldTid);
  }
}
