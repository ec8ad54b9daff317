// How far each git epoch of an inbox was taken or written (the last commit per inbox and epoch), and
// what following or writing a history needs to know of the messages stored: which one has given
// bytes, how many bytes came after a message, and the messages after one, to commit them.
import type { Db } from './open-database.js';
import { decompressRaw } from './raw-codec.js';
import type { CommitFacts } from '../mail/epoch-commit.js';

/** A stretch of the order log: the commits of one epoch taken one after the other, up to `tip`. */
export interface LogRow {
  seq: number;
  inbox: string;
  epoch: number;
  tip: string;
}

/** A stored message as its commit needs it: its bytes and the columns the commit is made from. */
export interface StoredForCommit extends CommitFacts {
  num: number;
  raw: Buffer;
}

/** The epoch table's statements; those that return rows typed with them. */
function statements(db: Db) {
  return {
    tips: db.prepare<[number], { epoch: number; tip: string }>(
      'SELECT epoch, tip FROM epoch WHERE inbox_id = ? ORDER BY epoch',
    ),
    setTip: db.prepare('INSERT OR REPLACE INTO epoch (inbox_id, epoch, tip) VALUES (?, ?, ?)'),
    extendLog: db.prepare(`UPDATE epoch_log SET tip = @tip WHERE seq = (SELECT max(seq) FROM epoch_log)
                  AND inbox_id = @inbox AND epoch = @epoch`),
    appendLog: db.prepare('INSERT INTO epoch_log (inbox_id, epoch, tip) VALUES (@inbox, @epoch, @tip)'),
    logFrom: db.prepare<
      [number],
      LogRow
    >(`SELECT l.seq, i.name AS inbox, l.epoch, l.tip FROM epoch_log l JOIN inbox i ON i.id = l.inbox_id
                WHERE l.seq >= ? ORDER BY l.seq`),
    logLength: db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM epoch_log').pluck(),
    setUpstream: db.prepare('INSERT OR REPLACE INTO upstream (inbox_id, url) VALUES (?, ?)'),
    clearUpstream: db.prepare('DELETE FROM upstream WHERE inbox_id = ?'),
    upstream: db.prepare<[number], string>('SELECT url FROM upstream WHERE inbox_id = ?').pluck(),
    bytesAfter: db
      .prepare<[number, number], number>(
        'SELECT coalesce(sum(b.size), 0) FROM msg m JOIN blob b ON b.id = m.blob_id WHERE m.inbox_id = ? AND m.num > ?',
      )
      .pluck(),
    // newest first down the table itself (num is its rowid): the inbox's newest is near the end, where
    // max(num) over msg_inbox_ts would read every entry of the inbox
    lastNum: db
      .prepare<[number], number>('SELECT num FROM msg NOT INDEXED WHERE inbox_id = ? ORDER BY num DESC LIMIT 1')
      .pluck(),
    messagesAfter: db.prepare<
      [number, number, number],
      Omit<StoredForCommit, 'raw'> & { data: Buffer; codec: number }
    >(`SELECT m.num, m.from_names AS fromNames, m.from_addr AS fromAddr, m.subject, m.ds, m.ts,
                      b.data, b.codec FROM msg m JOIN blob b ON b.id = m.blob_id
                      WHERE m.inbox_id = ? AND m.num > ? ORDER BY m.num LIMIT ?`),
    forget: db.prepare('DELETE FROM epoch WHERE inbox_id = ?'),
    storedCopy: db
      .prepare<[Buffer, number], number>(
        `SELECT m.num FROM blob b JOIN msg m ON m.blob_id = b.id WHERE b.sha256 = ? AND m.inbox_id = ?`,
      )
      .pluck(),
    sameContent: db
      .prepare<[string, number, Buffer, number], number>(
        `SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                    WHERE i.mid = ? AND m.inbox_id = ? AND m.chash = ? AND m.num != ? LIMIT 1`,
      )
      .pluck(),
    hashes: db.prepare<[number], { num: number; sha256: Buffer }>(
      `SELECT m.num, b.sha256 FROM msg m JOIN blob b ON b.id = m.blob_id WHERE m.inbox_id = ? ORDER BY m.num`,
    ),
  };
}

export class EpochTable {
  private readonly st: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.st = statements(db);
  }

  /** The last commit taken of each epoch of the inbox. */
  tips(inboxId: number): Map<number, string> {
    const rows = this.st.tips.all(inboxId);
    return new Map(rows.map((r) => [r.epoch, r.tip]));
  }

  /** How far an epoch was taken: for the epoch, and in the order log (a new stretch, or the last one longer). */
  setTip(inboxId: number, epoch: number, tip: string): void {
    this.st.setTip.run(inboxId, epoch, tip);
    const row = { inbox: inboxId, epoch, tip };
    if (!this.st.extendLog.run(row).changes) this.st.appendLog.run(row);
  }

  /** The order log's stretches from `seq` on (1: all of it), with their inboxes' names. */
  logFrom(seq: number): LogRow[] {
    return this.st.logFrom.all(seq);
  }

  /** How many stretches the order log holds. */
  logLength(): number {
    return this.st.logLength.get() ?? 0;
  }

  /** The URL the inbox is mirrored from; null: none (its mail arrives here, or at the writer it follows). */
  setUpstream(inboxId: number, url: string | null): void {
    if (url === null) this.st.clearUpstream.run(inboxId);
    else this.st.setUpstream.run(inboxId, url);
  }

  upstream(inboxId: number): string | null {
    return this.st.upstream.get(inboxId) ?? null;
  }

  /** The inbox's newest article number (0: none). */
  lastNum(inboxId: number): number {
    return this.st.lastNum.get(inboxId) ?? 0;
  }

  /** Bytes of the inbox's messages stored after article `num`. */
  bytesAfter(inboxId: number, num: number): number {
    return this.st.bytesAfter.get(inboxId, num) ?? 0;
  }

  /** The next `limit` messages of the inbox stored after article `num`, in article order. */
  messagesAfter(inboxId: number, num: number, limit: number): StoredForCommit[] {
    const rows = this.st.messagesAfter.all(inboxId, num, limit);
    return rows.map(({ data, codec, ...r }) => ({ ...r, raw: decompressRaw(data, codec) }));
  }

  /** Forget how far every epoch was taken: the next ingest reads each history from its start. */
  forget(inboxId: number): void {
    this.st.forget.run(inboxId);
  }

  /** The message of the inbox stored with exactly these bytes (a history removes messages by their bytes). */
  storedCopy(inboxId: number, sha256: Buffer): number | undefined {
    return this.st.storedCopy.get(sha256, inboxId);
  }

  /** Another message of the inbox with this Message-ID and content hash (of which a copy is a duplicate). */
  sameContent(inboxId: number, mid: string, chash: Buffer, except: number): number | undefined {
    return this.st.sameContent.get(mid, inboxId, chash, except);
  }

  /** Every message of the inbox with the SHA-256 of its bytes, in arrival order. */
  hashes(inboxId: number): { num: number; sha256: Buffer }[] {
    return this.st.hashes.all(inboxId);
  }
}
