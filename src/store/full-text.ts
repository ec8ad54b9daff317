// The full-text index's rows: one per analyzed message, rowid = msg.num, added at commit and
// deletable (contentless_delete), and rebuilt from the raw messages when its definition changes.
import type { Db, Statement } from './open-database.js';
import { decompressRaw } from './raw-codec.js';
import { analyzeMessage, type FtsFields } from '../mail/analyze.js';

export class FullTextWriter {
  private readonly insert: Statement;
  private readonly remove: Statement;

  constructor(db: Db) {
    this.insert = db.prepare(`INSERT INTO fts (rowid, s, f, t, c, nq, q, n, dfn, dfa, dfb, dfhh, dfctx, m, l)
                              VALUES (@num, @s, @f, @t, @c, @nq, @q, @n, @dfn, @dfa, @dfb, @dfhh, @dfctx, @m, @l)`);
    this.remove = db.prepare('DELETE FROM fts WHERE rowid = ?');
  }

  add(num: number, fields: FtsFields): void {
    this.insert.run({ num, ...fields });
  }

  delete(num: number): void {
    this.remove.run(num);
  }
}

/**
 * Index every analyzed message again from its raw bytes, in arrival order (a store upgrade whose
 * index changed shape). The analysis is the ingest's own, so the result equals a fresh ingest's.
 */
export function reindexFullText(db: Db): void {
  const fts = new FullTextWriter(db);
  // in batches: better-sqlite3 cannot write while a read is still iterating
  const batch = db.prepare(`SELECT m.num, b.data, b.codec FROM msg m JOIN blob b ON b.id = m.blob_id
                            WHERE m.num > ? AND m.quarantine IS NULL ORDER BY m.num LIMIT 500`);
  for (let rows = batch.all(0) as RawRow[]; rows.length; rows = batch.all(rows[rows.length - 1].num) as RawRow[]) {
    for (const r of rows) fts.add(r.num, analyzeMessage(decompressRaw(r.data, r.codec)).fts);
  }
}

type RawRow = { num: number; data: Buffer; codec: number };
