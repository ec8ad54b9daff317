// A digest of everything the store holds, independent of page layout and FTS segment history:
// two stores with the same digest serve the same archive (used to prove crash recovery).
import { createHash } from 'node:crypto';
import type { Db } from './open-database.js';
import { ftsTerms } from './full-text.js';

const TABLES: [string, string][] = [
  ['inbox', 'SELECT name, address, description FROM inbox ORDER BY name'],
  ['blob', 'SELECT sha256, size, codec FROM blob ORDER BY sha256'],
  ['msg', 'SELECT * FROM msg ORDER BY num'],
  ['msgid', 'SELECT mid FROM msgid ORDER BY mid'],
  ['id2num', 'SELECT i.mid, x.num FROM id2num x JOIN msgid i ON i.id = x.id ORDER BY i.mid, x.num'],
  ['subject', 'SELECT key FROM subject ORDER BY key'],
  ['counter', 'SELECT key, val FROM counter ORDER BY key'],
  ['blob_oid', 'SELECT num, post, oid FROM blob_oid ORDER BY num, post, oid'],
  ['patchid', 'SELECT num, patchid FROM patchid ORDER BY num, patchid'],
  ['list_id', 'SELECT num, lid FROM list_id ORDER BY num, lid'],
  ['msg_trailer', 'SELECT num, pos, name, value FROM msg_trailer ORDER BY num, pos'],
  ['series', 'SELECT * FROM series ORDER BY id'],
  ['series_patch', 'SELECT * FROM series_patch ORDER BY series_id, counter'],
  ['series_trailer', 'SELECT * FROM series_trailer ORDER BY series_id, counter, from_num, name, value'],
  ['series_link', 'SELECT * FROM series_link ORDER BY a_mid, b_mid'],
  ['series_dirty', 'SELECT * FROM series_dirty ORDER BY inbox_id'],
];

export function storeDigest(db: Db): string {
  const h = createHash('sha256');
  const feed = (name: string, sql: string) => {
    h.update(`\0${name}\0`);
    let chunk = '';
    for (const row of db.prepare(sql).raw(true).iterate() as Iterable<unknown[]>) {
      for (const v of row) {
        if (Buffer.isBuffer(v)) {
          h.update(chunk);
          chunk = '';
          h.update(v);
        } else chunk += String(v);
        chunk += '\x1f';
      }
      chunk += '\x1e';
      if (chunk.length > 1 << 16) {
        h.update(chunk);
        chunk = '';
      }
    }
    h.update(chunk);
  };
  for (const [name, sql] of TABLES) feed(name, sql);
  // the index's logical content, whatever its segment layout: per term and column, in how many
  // messages and how often it occurs, plus every message's per-column token counts
  feed('fts_terms', `SELECT term, col, doc, cnt FROM ${ftsTerms(db)}`);
  feed('fts_docsize', 'SELECT id, sz FROM fts_docsize ORDER BY id');
  return h.digest('hex');
}
