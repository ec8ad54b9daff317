// The write side of the store: inboxes, blobs, messages, thread links and the full-text index.
import { mustHave, type Db, type Statement } from './open-database.js';
import { RAW_CODEC } from './raw-codec.js';
import { ThreadLinker } from './thread-linker.js';
import { SeriesWriter } from './series-writer.js';
import { FullTextWriter } from './full-text.js';
import { ChangeLog, changeKey } from './change-log.js';
import type { AnalyzedMessage, FtsFields } from '../mail/analyze.js';

export interface Inbox {
  id: number;
  name: string;
  address: string | null;
  description: string | null;
}

/** An inbox name is a URL path segment, as public-inbox allows it. */
export const INBOX_NAME = /^[\w-][\w.-]*$/;

export type AddOutcome = 'added' | 'duplicate';

export interface Quarantined {
  sha256: Buffer;
  size: number;
  /** Best-effort Message-ID so /MID/raw still finds it; generated from the digest otherwise. */
  mid: string;
  reason: string;
}

/** A message's body rendered at ingest, compressed (html-codec.ts), and the renderer's version. */
export interface BodyHtml {
  version: number;
  data: Buffer;
}

const PATCH_FLAG_RFC = 1;
const PATCH_FLAG_RESEND = 2;
const PATCH_FLAG_REPLY = 4;

/** The columns of a message's row that follow from its analysis alone. */
function columnsOf(m: AnalyzedMessage) {
  const p = m.patch;
  return {
    ts: m.ts,
    ds: m.ds,
    mid: m.mids[0],
    chash: m.contentHash,
    subject: m.subject,
    fromNames: m.fromNames,
    fromAddr: m.fromAddr,
    refs: m.refs.join('\n'),
    doc: m.doc,
    hasDiff: m.hasDiff ? 1 : 0,
    pv: p.isPatch ? p.version : null,
    pc: p.isPatch ? p.counter : null,
    pt: p.isPatch ? p.total : null,
    pf: (p.rfc ? PATCH_FLAG_RFC : 0) | (p.resend ? PATCH_FLAG_RESEND : 0) | (p.reply ? PATCH_FLAG_REPLY : 0),
    irt: m.series.inReplyTo,
    b4Diff: m.series.hasDiff ? 1 : 0,
    b4Diffstat: m.series.hasDiffstat ? 1 : 0,
    changeId: m.series.changeId,
    baseCommit: m.series.baseCommit,
  };
}

/** What removals and edits need of a stored message. */
interface MsgRow {
  tid: number;
  sid: number | null;
  mid: string;
  ts: number;
  inboxId: number;
  blobId: number;
}

/** The writer's statements; those that return rows typed with them. */
function statements(db: Db) {
  return {
    inboxByName: db.prepare<[string], Inbox>('SELECT id, name, address, description FROM inbox WHERE name = ?'),
    inboxInsert: db.prepare('INSERT INTO inbox (name, address, description) VALUES (?, ?, ?)'),
    inboxUpdate: db.prepare(
      'UPDATE inbox SET address = coalesce(?, address), description = coalesce(?, description) WHERE id = ?',
    ),
    primaryKnown: db.prepare(`SELECT 1 FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                     WHERE i.mid = ? AND m.inbox_id = ? AND m.mid = i.mid LIMIT 1`),
    sameContent: db.prepare(`SELECT 1 FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                    WHERE i.mid = ? AND m.inbox_id = ? AND m.chash = ? LIMIT 1`),
    sameQuarantined: db.prepare(`SELECT 1 FROM msg m JOIN blob b ON b.id = m.blob_id
                        WHERE b.sha256 = ? AND m.inbox_id = ? AND m.quarantine IS NOT NULL LIMIT 1`),
    blobId: db.prepare<[Buffer], { id: number }>('SELECT id FROM blob WHERE sha256 = ?'),
    blobInsert: db.prepare('INSERT INTO blob (sha256, size, codec, data) VALUES (?, ?, ?, ?)'),
    bump: db.prepare<[string], number>('UPDATE counter SET val = val + 1 WHERE key = ? RETURNING val').pluck(),
    counterGet: db.prepare<[string], number>('SELECT val FROM counter WHERE key = ?').pluck(),
    counterSet: db.prepare<[string, number]>('INSERT OR REPLACE INTO counter (key, val) VALUES (?, ?)'),
    msgInsert:
      db.prepare(`INSERT INTO msg (num, inbox_id, tid, sid, ts, ds, blob_id, mid, chash, subject, from_names, from_addr,
                    refs, doc, quarantine, has_diff, patch_version, patch_counter, patch_total, patch_flags,
                    irt, b4_diff, b4_diffstat, change_id, base_commit)
                  VALUES (@num, @inbox, @tid, @sid, @ts, @ds, @blob, @mid, @chash, @subject, @fromNames, @fromAddr,
                    @refs, @doc, @quarantine, @hasDiff, @pv, @pc, @pt, @pf, @irt, @b4Diff, @b4Diffstat, @changeId, @baseCommit)`),
    msgUpdate:
      db.prepare(`UPDATE msg SET ts = @ts, ds = @ds, blob_id = @blob, mid = @mid, chash = @chash, sid = @sid, subject = @subject,
                    from_names = @fromNames, from_addr = @fromAddr, refs = @refs, doc = @doc, quarantine = NULL,
                    has_diff = @hasDiff, patch_version = @pv, patch_counter = @pc, patch_total = @pt, patch_flags = @pf,
                    irt = @irt, b4_diff = @b4Diff, b4_diffstat = @b4Diffstat, change_id = @changeId, base_commit = @baseCommit
                  WHERE num = @num`),
    msgRow: db.prepare<[number], MsgRow>(
      'SELECT tid, sid, mid, ts, inbox_id AS inboxId, blob_id AS blobId FROM msg WHERE num = ?',
    ),
    msgDelete: db.prepare('DELETE FROM msg WHERE num = ?'),
    blobUsed: db.prepare('SELECT 1 FROM msg WHERE blob_id = ? LIMIT 1').pluck(),
    blobDelete: db.prepare('DELETE FROM blob WHERE id = ?'),
    trailerInsert: db.prepare('INSERT INTO msg_trailer (num, pos, name, value) VALUES (?, ?, ?, ?)'),
    trailerDelete: db.prepare('DELETE FROM msg_trailer WHERE num = ?'),
    oidDelete: db.prepare('DELETE FROM blob_oid WHERE num = ?'),
    patchIdDelete: db.prepare('DELETE FROM patchid WHERE num = ?'),
    listIdDelete: db.prepare('DELETE FROM list_id WHERE num = ?'),
    oidInsert: db.prepare('INSERT INTO blob_oid (num, post, oid) VALUES (?, ?, ?)'),
    patchIdInsert: db.prepare('INSERT INTO patchid (num, patchid) VALUES (?, ?)'),
    listIdInsert: db.prepare('INSERT INTO list_id (num, lid) VALUES (?, ?)'),
    bodyHtmlPut: db.prepare('INSERT OR REPLACE INTO body_html (num, version, html) VALUES (?, ?, ?)'),
    bodyHtmlDelete: db.prepare('DELETE FROM body_html WHERE num = ?'),
  };
}

export class StoreWriter {
  private readonly db: Db;
  private readonly threads: ThreadLinker;
  private readonly series: SeriesWriter;
  private readonly fullText: FullTextWriter;
  /** What this transaction changed, for servers' caches. */
  private readonly changes = new ChangeLog();
  private readonly st: ReturnType<typeof statements>;
  private readonly staleBodiesAfter: Statement<[number, number, number], number>;
  /**
   * Full-text rows wait for the commit: FTS5 flushes its pending terms to disk at every statement
   * savepoint, and the thread linker's multi-row updates open one per message otherwise.
   */
  private pendingFts: (FtsFields & { num: number })[] = [];
  /** Threads that gained messages in this batch: their series are assembled again at commit. */
  private touchedThreads = new Set<number>();

  constructor(db: Db) {
    this.db = db;
    this.threads = new ThreadLinker(db);
    this.series = new SeriesWriter(db, this.changes);
    this.fullText = new FullTextWriter(db);
    this.staleBodiesAfter = db
      .prepare<[number, number, number], number>(
        `SELECT m.num FROM msg m LEFT JOIN body_html h ON h.num = m.num
         WHERE m.num > ? AND m.doc IS NOT NULL AND (h.version IS NULL OR h.version != ?) ORDER BY m.num LIMIT ?`,
      )
      .pluck();
    this.st = statements(db);
  }

  findInbox(name: string): Inbox | undefined {
    return this.st.inboxByName.get(name);
  }

  /** Find or create an inbox; a given address or description replaces the stored one. */
  ensureInbox(name: string, address?: string, description?: string): Inbox {
    if (!INBOX_NAME.test(name))
      throw new Error(`invalid inbox name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
    const found = this.st.inboxByName.get(name);
    if (found) {
      if (address !== undefined || description !== undefined) {
        this.st.inboxUpdate.run(address ?? null, description ?? null, found.id);
        const now = mustHave(this.st.inboxByName.get(name), `inbox ${name}`);
        // every page of the inbox shows its description; its address is in every reply line
        if (now.address !== found.address || now.description !== found.description) this.changedEverything();
        return now;
      }
      return found;
    }
    this.st.inboxInsert.run(name, address ?? null, description ?? null);
    const created = mustHave(this.st.inboxByName.get(name), `inbox ${name}`);
    // the inbox listing and /all/ show it
    this.changes.note(changeKey.inbox(created.id));
    this.changes.flush(this.db);
    return created;
  }

  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }

  /** Commit the batch, with the series of every thread it changed assembled again. */
  commit(): void {
    for (const row of this.pendingFts) this.fullText.add(row.num, row);
    this.pendingFts = [];
    // a thread merged into another: its messages' pages now show the bigger thread
    for (const tid of this.threads.takeMerged()) {
      this.touchedThreads.add(tid);
      this.changes.note(changeKey.thread(tid));
    }
    const tids = [...this.touchedThreads];
    this.touchedThreads = new Set();
    this.series.rebuild(tids);
    this.changes.flush(this.db);
    this.db.exec('COMMIT');
  }

  /** After the last batch: recompute the version chains the batches left waiting. */
  finish(): void {
    this.db.transaction(() => {
      this.series.relinkDirty();
      this.changes.flush(this.db);
    })();
  }

  rollback(): void {
    this.pendingFts = [];
    this.touchedThreads = new Set();
    this.threads.takeMerged();
    this.changes.discard();
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private blobFor(sha256: Buffer, size: number, data: Buffer): number {
    const row = this.st.blobId.get(sha256);
    if (row) return row.id;
    return Number(this.st.blobInsert.run(sha256, size, RAW_CODEC, data).lastInsertRowid);
  }

  /** The next article number: one more than the last given, so a removed message's is never given again. */
  private nextNum(): number {
    return mustHave(this.st.bump.get('article'), 'article counter');
  }

  /**
   * A message upstream purged before we saw it (an empty blob in its git history): its number is
   * taken all the same, as it was in a mirror that had the message before the purge.
   */
  passOver(): void {
    this.nextNum();
  }

  /**
   * Store an analyzed message unless it is a copy the inbox holds, by public-inbox's rule
   * (V2Writable::v2_num_for): its first Message-ID is already a stored message's own, and a message
   * stored under one of its ids has its content. A message whose first id is new is kept, even when
   * it shares another id, or its content, with one stored before: its first id must resolve.
   */
  add(inboxId: number, m: AnalyzedMessage, rawData: Buffer, body?: BodyHtml): AddOutcome {
    if (
      this.st.primaryKnown.get(m.mids[0], inboxId) &&
      m.mids.some((mid) => this.st.sameContent.get(mid, inboxId, m.contentHash))
    ) {
      return 'duplicate';
    }
    const blob = this.blobFor(m.sha256, m.size, rawData);
    const num = this.nextNum();
    const tid = this.threads.assign(m.mids, m.refs);
    const sid = this.threads.subjectId(m.subjectKey);
    this.st.msgInsert.run({
      num,
      inbox: inboxId,
      tid,
      sid,
      blob,
      quarantine: null,
      ...columnsOf(m),
    });
    this.touchedThreads.add(tid);
    this.threads.mapIds(m.mids, num);
    this.addDerived(num, m, body);
    this.changedMessage(inboxId, m.ts, tid, sid, m.mids);
    return 'added';
  }

  /** Rows that follow from a message's analysis: trailers, diff blob ids, patch ids, List-Id, full text. */
  private addDerived(num: number, m: AnalyzedMessage, body: BodyHtml | undefined): void {
    if (body) this.setBodyHtml(num, body);
    m.series.trailers.forEach((t, i) => this.st.trailerInsert.run(num, i, t.name, t.value + (t.extinfo ?? '')));
    for (const oid of m.blobPre) this.st.oidInsert.run(num, 0, oid);
    for (const oid of m.blobPost) this.st.oidInsert.run(num, 1, oid);
    for (const id of new Set(m.patchIds)) this.st.patchIdInsert.run(num, id);
    if (m.listId) this.st.listIdInsert.run(num, m.listId);
    this.pendingFts.push({ num, ...m.fts });
  }

  private dropDerived(num: number): void {
    for (const st of [
      this.st.trailerDelete,
      this.st.oidDelete,
      this.st.patchIdDelete,
      this.st.listIdDelete,
      this.st.bodyHtmlDelete,
    ])
      st.run(num);
    // its full-text row may still wait for the commit
    this.pendingFts = this.pendingFts.filter((row) => row.num !== num);
    this.fullText.delete(num);
  }

  private dropBlobIfUnused(blobId: number): void {
    if (!this.st.blobUsed.get(blobId)) this.st.blobDelete.run(blobId);
  }

  /**
   * What pages show of a message arrived at `ts` changed: its thread's, its loose subject's, its
   * ids', its inbox's and its hour's and day's.
   */
  private changedMessage(inboxId: number, ts: number, tid: number, sid: number | null, mids: string[]): void {
    this.changes.note(changeKey.thread(tid));
    if (sid !== null) this.changes.note(changeKey.subject(sid));
    for (const mid of mids) this.changes.note(changeKey.mid(mid));
    this.changes.note(changeKey.inbox(inboxId));
    this.changes.note(changeKey.hour(inboxId, ts));
    this.changes.note(changeKey.day(inboxId, ts));
  }

  private changedEverything(): void {
    this.changes.note(changeKey.everything);
    this.changes.flush(this.db);
  }

  /** Changes other than new mail move the generation on: servers look at what changed. */
  private edited(row: MsgRow): void {
    this.touchedThreads.add(row.tid);
    this.st.bump.get('edits');
    this.changedMessage(row.inboxId, row.ts, row.tid, row.sid, [row.mid]);
  }

  /**
   * Take a stored message out (removed upstream): from pages, search, its thread (where other
   * messages still refer to it, it stays as a ghost) and series; its bytes go if no one else has them.
   */
  remove(num: number): void {
    const row = mustHave(this.st.msgRow.get(num), `message ${num}`);
    this.dropDerived(num);
    this.st.msgDelete.run(num);
    this.threads.release(num, row.tid);
    this.dropBlobIfUnused(row.blobId);
    this.edited(row);
  }

  /**
   * An edited message (public-inbox-edit) in place of the stored one: the same number and, as its
   * Message-IDs and references are the same, the same thread; everything else as it now reads.
   */
  replace(num: number, m: AnalyzedMessage, rawData: Buffer, body?: BodyHtml): void {
    const row = mustHave(this.st.msgRow.get(num), `message ${num}`);
    this.dropDerived(num);
    const blob = this.blobFor(m.sha256, m.size, rawData);
    const sid = this.threads.subjectId(m.subjectKey);
    this.st.msgUpdate.run({ num, blob, sid, ...columnsOf(m) });
    this.addDerived(num, m, body);
    if (blob !== row.blobId) this.dropBlobIfUnused(row.blobId);
    this.edited(row);
    this.changedMessage(row.inboxId, m.ts, row.tid, sid, m.mids);
  }

  /** Store a message's rendered body (pages show the same either way: no change to note). */
  setBodyHtml(num: number, body: BodyHtml): void {
    this.st.bodyHtmlPut.run(num, body.version, body.data);
  }

  /**
   * The renderer version every stored body was last found rendered by (counter 'bodies', outside the
   * digest): a run that finds it current skips looking for stale bodies, a scan of every message.
   */
  bodiesRendered(): number | undefined {
    return this.st.counterGet.get('bodies') as number | undefined;
  }

  /** Every stored body is rendered by renderer `version` (or cannot be rendered). */
  setBodiesRendered(version: number): void {
    this.st.counterSet.run('bodies', version);
  }

  /** Up to `limit` messages after `afterNum` with no body rendered by renderer `version`, in order. */
  staleBodies(version: number, afterNum: number, limit: number): number[] {
    return this.staleBodiesAfter.all(afterNum, version, limit);
  }

  /** Keep a message we could not analyze: raw bytes and the reason, outside threads and search. */
  quarantine(inboxId: number, q: Quarantined, rawData: Buffer): AddOutcome {
    if (this.st.sameQuarantined.get(q.sha256, inboxId)) return 'duplicate';
    const blob = this.blobFor(q.sha256, q.size, rawData);
    const num = this.nextNum();
    this.st.msgInsert.run({
      num,
      inbox: inboxId,
      tid: this.threads.newThread(),
      sid: null,
      ts: 0,
      ds: 0,
      blob,
      mid: q.mid,
      chash: null,
      subject: '',
      fromNames: '',
      fromAddr: '',
      refs: '',
      doc: null,
      quarantine: q.reason,
      hasDiff: 0,
      pv: null,
      pc: null,
      pt: null,
      pf: 0,
      irt: null,
      b4Diff: 0,
      b4Diffstat: 0,
      changeId: null,
      baseCommit: null,
    });
    this.threads.mapIds([q.mid], num);
    // not in threads or search, but its /raw answers under its id
    this.changes.note(changeKey.mid(q.mid));
    this.changes.note(changeKey.inbox(inboxId));
    return 'added';
  }
}
