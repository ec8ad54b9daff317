// How far each git epoch of an inbox was taken (the last commit per inbox and epoch), and what
// following a history needs to know of the messages already stored: which one has given bytes.
import type { Db, Statement } from './open-database.js';

export class EpochTable {
  private readonly st: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      tips: p('SELECT epoch, tip FROM epoch WHERE inbox_id = ? ORDER BY epoch'),
      setTip: p('INSERT OR REPLACE INTO epoch (inbox_id, epoch, tip) VALUES (?, ?, ?)'),
      setUpstream: p('INSERT OR REPLACE INTO upstream (inbox_id, url) VALUES (?, ?)'),
      forget: p('DELETE FROM epoch WHERE inbox_id = ?'),
      storedCopy: p(
        `SELECT m.num FROM blob b JOIN msg m ON m.blob_id = b.id WHERE b.sha256 = ? AND m.inbox_id = ?`,
      ).pluck(),
      sameContent: p(`SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num
                      WHERE i.mid = ? AND m.inbox_id = ? AND m.chash = ? AND m.num != ? LIMIT 1`).pluck(),
      hashes: p(
        `SELECT m.num, b.sha256 FROM msg m JOIN blob b ON b.id = m.blob_id WHERE m.inbox_id = ? ORDER BY m.num`,
      ),
    };
  }

  /** The last commit taken of each epoch of the inbox. */
  tips(inboxId: number): Map<number, string> {
    const rows = this.st.tips.all(inboxId) as { epoch: number; tip: string }[];
    return new Map(rows.map((r) => [r.epoch, r.tip]));
  }

  setTip(inboxId: number, epoch: number, tip: string): void {
    this.st.setTip.run(inboxId, epoch, tip);
  }

  /** The URL the inbox is mirrored from. */
  setUpstream(inboxId: number, url: string): void {
    this.st.setUpstream.run(inboxId, url);
  }

  /** Forget how far every epoch was taken: the next ingest reads each history from its start. */
  forget(inboxId: number): void {
    this.st.forget.run(inboxId);
  }

  /** The message of the inbox stored with exactly these bytes (a history removes messages by their bytes). */
  storedCopy(inboxId: number, sha256: Buffer): number | undefined {
    return this.st.storedCopy.get(sha256, inboxId) as number | undefined;
  }

  /** Another message of the inbox with this Message-ID and content hash (of which a copy is a duplicate). */
  sameContent(inboxId: number, mid: string, chash: Buffer, except: number): number | undefined {
    return this.st.sameContent.get(mid, inboxId, chash, except) as number | undefined;
  }

  /** Every message of the inbox with the SHA-256 of its bytes, in arrival order. */
  hashes(inboxId: number): { num: number; sha256: Buffer }[] {
    return this.st.hashes.all(inboxId) as { num: number; sha256: Buffer }[];
  }
}
