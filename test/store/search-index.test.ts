import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { SearchIndex, type SearchOptions } from '../../src/store/search-index.js';
import { parseQuery } from '../../src/search/query.js';
import type { Scope } from '../../src/store/reader.js';
import { fixtureStore } from '../helpers/store.js';

// queries from none or a handful of matches to most of the fixtures' mail, full text alone and with
// conditions SQL answers beside it (a date range, an address, a thread's whole subject)
const QUERIES = [
  's:nosuchwordanywhere',
  's:pasid',
  'pasid',
  'b:the',
  'vfio OR vsock',
  's:PATCH',
  'nq:kernel',
  'pasid d:20200901..20201231',
  's:virtio -s:vsock',
  'b:"memory barrier" OR s:cleanup',
];

const OPTIONS: Omit<SearchOptions, 'scope'>[] = [
  { offset: 0, limit: 200 },
  { offset: 0, limit: 200, ascending: true },
  { offset: 3, limit: 4 },
  { offset: 0, limit: 200, collapse: true },
  { offset: 2, limit: 3, collapse: true, ascending: true },
  // full text drives relevance either way: these show its order is the same from one run to the next
  { offset: 0, limit: 5, relevance: true },
  { offset: 1, limit: 5, relevance: true, collapse: true },
];

describe('SearchIndex', () => {
  let db: Db;
  let scopes: Scope[];
  /** The fixtures' longest thread, for searches within one thread (POST /NAME/MID/?x=m). */
  let tid: number;
  const sql: string[] = [];
  beforeAll(() => {
    db = openDatabase(fixtureStore(), { readonly: true });
    const ids = db.prepare<[], number>('SELECT id FROM inbox ORDER BY id').pluck().all();
    scopes = ['all', ...ids.map((inboxId) => ({ inboxId }))];
    tid = db
      .prepare<[], number>('SELECT tid FROM msg WHERE num > 0 GROUP BY tid ORDER BY count(*) DESC, tid LIMIT 1')
      .pluck()
      .get()!;
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      sql.push(source);
      return prepare(source);
    }) as Db['prepare'];
  });
  afterAll(() => db.close());

  it('answers the same whether the full-text matches or the date index drive a page', () => {
    // one never reads the matches first, the other always does (both on one connection: the deadline
    // check SQLite calls is the last one's, whose deadline is not set while the first searches)
    const walk = new SearchIndex(db, undefined, -1);
    const fromFts = new SearchIndex(db, undefined, Infinity);
    const now = Date.parse('2026-12-02T00:00:00Z') / 1000;
    let compared = 0;
    let largest = 0;
    for (const q of QUERIES) {
      const tree = parseQuery(q, now);
      for (const scope of scopes) {
        for (const o of [...OPTIONS, { offset: 0, limit: 200, tid }, { offset: 1, limit: 3, tid, ascending: true }]) {
          const label = `${q} ${JSON.stringify(scope)} ${JSON.stringify(o)}`;
          sql.length = 0;
          const expected = walk.search(tree, { ...o, scope });
          const walked = !sql.some((s) => s.includes('CROSS JOIN'));
          sql.length = 0;
          const got = fromFts.search(tree, { ...o, scope });
          // (no statement at all reads a page of no full-text match)
          if (expected.total)
            expect([walked || !!o.relevance, sql.some((s) => s.includes('CROSS JOIN'))], label).toEqual([true, true]);
          expect(got, label).toEqual(expected);
          compared += expected.hits.length;
          largest = Math.max(largest, expected.total);
        }
      }
    }
    // the comparison saw real answers: most of the fixtures' mail for the widest query
    expect(compared).toBeGreaterThan(1000);
    expect(largest).toBeGreaterThan(100);
  });

  it('reads the matches first when FTS5 matches at most fewMatches messages, whatever else the query asks', () => {
    const now = Date.parse('2026-12-02T00:00:00Z') / 1000;
    const read = (fewMatches: number, q: string, scope: Scope) => {
      sql.length = 0;
      const index = new SearchIndex(db, undefined, fewMatches);
      const { total } = index.search(parseQuery(q, now), { scope, offset: 0, limit: 200 });
      return { total, fts: sql.some((s) => s.includes('CROSS JOIN')) };
    };
    // over every inbox, a bare full-text query's total is FTS5's count of its matches
    const n = read(1_000_000, 's:pasid', 'all').total;
    expect(n).toBeGreaterThan(3);
    expect(read(n, 's:pasid', 'all').fts).toBe(true);
    expect(read(n - 1, 's:pasid', 'all').fts).toBe(false);
    // a date range and an inbox narrow the answer, not the count that chooses
    const iommu = { inboxId: db.prepare<[], number>("SELECT id FROM inbox WHERE name = 'iommu'").pluck().get()! };
    const narrowed = read(n - 1, 's:pasid d:20200901..20200911', iommu);
    expect(narrowed.total).toBeGreaterThan(0);
    expect(narrowed.total).toBeLessThan(n - 1);
    expect(narrowed.fts).toBe(false);
    expect(read(n, 's:pasid d:20200901..20200911', iommu).fts).toBe(true);
  });
});
