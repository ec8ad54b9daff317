// A digest of everything the store holds, independent of page layout, FTS segment history and row
// ids that only say in what order rows were written: two stores with the same digest serve the same
// archive (used to prove crash recovery, and that a mirror kept current equals a fresh one).
import { createHash } from 'node:crypto';
import type { Db } from './open-database.js';
import { ftsTerms } from './full-text.js';
import { docJson } from '../mail/message-doc.js';

/** Columns left out of a table's rows: stand-ins whose value (not meaning) depends on write order. */
const STAND_INS = new Set(['sid', 'blob_id']);

/** Columns hashed as what they decode to: a store upgraded keeps the codec its rows were written with. */
const DECODED: Record<string, (v: Buffer) => Buffer> = { doc: docJson };

const TABLES: [string, string][] = [
  ['inbox', 'SELECT name, address, description FROM inbox ORDER BY name'],
  // a blob's codec is how its bytes are kept, not what they are: a store upgraded keeps the older one
  ['blob', 'SELECT sha256, size FROM blob ORDER BY sha256'],
  // a message's subject key and blob stand for its sid and blob_id
  [
    'msg',
    `SELECT m.*, s.key AS subject_key, b.sha256 AS blob_sha256 FROM msg m LEFT JOIN subject s ON s.id = m.sid
     LEFT JOIN blob b ON b.id = m.blob_id ORDER BY m.num`,
  ],
  ['msgid', 'SELECT mid FROM msgid ORDER BY mid'],
  ['id2num', 'SELECT i.mid, x.num FROM id2num x JOIN msgid i ON i.id = x.id ORDER BY i.mid, x.num'],
  // the keys messages have (an edited message's old one may stay unused)
  ['subject', 'SELECT key FROM subject WHERE id IN (SELECT sid FROM msg) ORDER BY key'],
  // 'edits' counts changes for caches: a store kept current in many runs makes more than a fresh one;
  // 'bodies' notes rendered bodies, which the digest leaves out
  ['counter', `SELECT key, val FROM counter WHERE key NOT IN ('edits', 'bodies') ORDER BY key`],
  ['blob_oid', 'SELECT num, post, oid FROM blob_oid ORDER BY num, post, oid'],
  ['patchid', 'SELECT num, patchid FROM patchid ORDER BY num, patchid'],
  ['list_id', 'SELECT num, lid FROM list_id ORDER BY num, lid'],
  ['msg_trailer', 'SELECT num, pos, name, value FROM msg_trailer ORDER BY num, pos'],
  ['series', 'SELECT * FROM series ORDER BY id'],
  ['series_patch', 'SELECT * FROM series_patch ORDER BY series_id, counter'],
  ['series_trailer', 'SELECT * FROM series_trailer ORDER BY series_id, counter, from_num, name, value'],
  ['series_link', 'SELECT * FROM series_link ORDER BY a_mid, b_mid'],
  ['series_key', 'SELECT * FROM series_key ORDER BY inbox_id, hash, series_id'],
  ['series_dirty', 'SELECT * FROM series_dirty ORDER BY inbox_id'],
  ['epoch', 'SELECT i.name, e.epoch, e.tip FROM epoch e JOIN inbox i ON i.id = e.inbox_id ORDER BY i.name, e.epoch'],
  ['upstream', 'SELECT i.name, u.url FROM upstream u JOIN inbox i ON i.id = u.inbox_id ORDER BY i.name'],
  ['patch_state', 'SELECT * FROM patch_state ORDER BY num'],
  ['applied', 'SELECT * FROM applied ORDER BY num, repo, branch'],
  // the API's users, checks and state changes are the writer's, taken over by replicas; tokens stay on the writer
  ['api_user', 'SELECT * FROM api_user ORDER BY id'],
  ['patch_check', 'SELECT * FROM patch_check ORDER BY id'],
  ['state_change', 'SELECT * FROM state_change ORDER BY id'],
  [
    'epoch_log',
    'SELECT l.seq, i.name, l.epoch, l.tip FROM epoch_log l JOIN inbox i ON i.id = l.inbox_id ORDER BY l.seq',
  ],
];

export function storeDigest(db: Db): string {
  const h = createHash('sha256');
  const feed = (name: string, sql: string) => {
    h.update(`\0${name}\0`);
    let chunk = '';
    const st = db.prepare<[], unknown[]>(sql);
    const columns = st.columns();
    const keep = columns.map((c) => !STAND_INS.has(c.name));
    const decode = columns.map((c) => DECODED[c.name]);
    for (const row of st.raw(true).iterate()) {
      for (const [i, v] of row.entries()) {
        if (!keep[i]) continue;
        if (Buffer.isBuffer(v)) {
          h.update(chunk);
          chunk = '';
          h.update(decode[i]?.(v) ?? v);
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
