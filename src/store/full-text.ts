// The full-text index's rows: one per analyzed message, rowid = msg.num, added at commit and
// deletable (contentless_delete), and rebuilt from the raw messages when its definition changes.
import type { Db, Statement } from './open-database.js';
import { decompressRaw } from './raw-codec.js';
import { analyzeMessage, stemColumn, TEXT_COLUMNS, type FtsFields } from '../mail/analyze.js';

/** The index's columns in table order (schema.ts): the text columns, then their stemmed twins. */
export const FTS_COLUMNS = [...TEXT_COLUMNS, ...TEXT_COLUMNS.map(stemColumn)];

export class FullTextWriter {
  private readonly insert: Statement;
  private readonly remove: Statement;

  constructor(db: Db) {
    const params = FTS_COLUMNS.map((c) => `@${c}`).join(', ');
    this.insert = db.prepare(`INSERT INTO fts (rowid, ${FTS_COLUMNS.join(', ')}) VALUES (@num, ${params})`);
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
 * The index's vocabulary as a table (temp, per connection): one row per word and column, with in
 * how many messages and how often it occurs there, in word order. Returns its name.
 */
export function ftsTerms(db: Db): string {
  db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, fts, col)');
  return 'temp.fts_terms';
}

/**
 * Index every analyzed message again from its raw bytes, in arrival order (a store upgrade whose
 * index changed shape). The analysis is the ingest's own, so the result equals a fresh ingest's.
 */
export function reindexFullText(db: Db): void {
  const fts = new FullTextWriter(db);
  // in batches: better-sqlite3 cannot write while a read is still iterating
  const batch = db.prepare<[number], RawRow>(`SELECT m.num, b.data, b.codec FROM msg m JOIN blob b ON b.id = m.blob_id
                            WHERE m.num > ? AND m.quarantine IS NULL ORDER BY m.num LIMIT 500`);
  for (let rows = batch.all(0); rows.length; rows = batch.all(rows[rows.length - 1].num)) {
    for (const r of rows) fts.add(r.num, analyzeMessage(decompressRaw(r.data, r.codec)).fts);
  }
}

type RawRow = { num: number; data: Buffer; codec: number };
