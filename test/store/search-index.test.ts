import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { SearchIndex, type SearchOptions } from '../../src/store/search-index.js';
import { parseQuery } from '../../src/search/query.js';
import type { Scope } from '../../src/store/reader.js';
import { fixtureStore } from '../helpers/store.js';

// queries from a handful of matches to most of the fixtures' mail, full text alone and with conditions
// SQL answers beside it (a date range, an address, a thread's whole subject)
const QUERIES = [
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
  { offset: 0, limit: 5, relevance: true },
  { offset: 1, limit: 5, relevance: true, collapse: true },
];

describe('SearchIndex', () => {
  let db: Db;
  let scopes: Scope[];
  const sql: string[] = [];
  beforeAll(() => {
    db = openDatabase(fixtureStore(), { readonly: true });
    const ids = db.prepare<[], number>('SELECT id FROM inbox ORDER BY id').pluck().all();
    scopes = ['all', ...ids.map((inboxId) => ({ inboxId }))];
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      sql.push(source);
      return prepare(source);
    }) as Db['prepare'];
  });
  afterAll(() => db.close());

  it('answers the same whether the full-text matches or the date index drive a page', () => {
    // one never reads the matches first, the other always does
    const walk = new SearchIndex(db, undefined, -1);
    const fromFts = new SearchIndex(db, undefined, Infinity);
    const now = Date.parse('2026-12-02T00:00:00Z') / 1000;
    let compared = 0;
    let largest = 0;
    for (const q of QUERIES) {
      const tree = parseQuery(q, now);
      for (const scope of scopes) {
        for (const o of OPTIONS) {
          const label = `${q} ${JSON.stringify(scope)} ${JSON.stringify(o)}`;
          sql.length = 0;
          const expected = walk.search(tree, { ...o, scope });
          if (!o.relevance)
            expect(
              sql.some((s) => s.includes('CROSS JOIN')),
              label,
            ).toBe(false);
          sql.length = 0;
          const got = fromFts.search(tree, { ...o, scope });
          expect(
            sql.some((s) => s.includes('CROSS JOIN')),
            label,
          ).toBe(true);
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

  it('reads the matches first only when there are few of them', () => {
    const index = new SearchIndex(db, undefined, 10);
    const now = Date.parse('2026-12-02T00:00:00Z') / 1000;
    const drivenByFts = (q: string) => {
      sql.length = 0;
      const { total } = index.search(parseQuery(q, now), { scope: 'all', offset: 0, limit: 200 });
      return { total, fts: sql.some((s) => s.includes('CROSS JOIN')) };
    };
    const few = drivenByFts('s:pasid d:20200901..20200911');
    expect(few.total).toBeGreaterThan(0);
    expect(few.total).toBeLessThanOrEqual(10);
    expect(few.fts).toBe(true);
    const many = drivenByFts('b:the');
    expect(many.total).toBeGreaterThan(10);
    expect(many.fts).toBe(false);
  });
});
