// Issue 9, finding 2: one short search must not freeze a server. Repeated terms are merged, a query
// holds at most MAX_TERMS terms, a wildcard expands to at most 100 words per column (as public-inbox
// refuses broader ones), every search statement is stopped by SQLite itself at the deadline, and
// searches get at most half of a worker's time; a search stopped for time is a 503 with Retry-After,
// one refused for the share waits until it has room if that comes within a second (else 503), and
// none is a hang or a 500.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import type { App } from '../../src/serve/app.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { SearchBudget, SearchOverBudget, SEARCH_DEADLINE_MS } from '../../src/store/search-budget.js';
import { MAX_TERMS } from '../../src/search/query.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver } from '../helpers/app.js';

/** A statement that never ends unless the search's deadline stops it inside SQLite. */
const RUNAWAY = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE lk_search_in_time())
                 SELECT count(*) FROM n`;

describe('bounded searches', () => {
  let dir: string;
  let app: App;
  beforeAll(async () => {
    dir = fixtureStore();
    app = await appOver(dir);
  });
  afterAll(() => app.fastify.close());
  const get = (url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });
  const timed = async (url: string, method: 'GET' | 'POST' = 'GET') => {
    const t0 = performance.now();
    const r = await app.fastify.inject({ method, url, payload: method === 'POST' ? '' : undefined });
    return { r, ms: performance.now() - t0 };
  };

  it("answers issue 9's queries at once: 2,700 wildcards in an 8 KB URL, 1,000 words OR'd", async () => {
    // they took 326 s and 9.7 s unbounded; a busy machine may stretch a bounded one past its 1 s
    // deadline by what waiting for a core costs, never to seconds
    const bound = 3 * SEARCH_DEADLINE_MS;
    for (const method of ['GET', 'POST'] as const) {
      const x = method === 'POST' ? 'x=m&' : '';
      const wild = await timed(`/all/?${x}q=${Array(2700).fill('a*').join('+')}`, method);
      expect(wild.ms).toBeLessThan(bound);
      expect([200, 400]).toContain(wild.r.statusCode);
      const the = await timed(`/all/?${x}q=${Array(1000).fill('the').join('+OR+')}`, method);
      expect(the.ms).toBeLessThan(bound);
      expect(the.r.statusCode).toBe(200);
    }
  });

  it('refuses a query of too many terms, or a wildcard broader than public-inbox allows, saying why', async () => {
    const many = await get(`/all/?q=${Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join('+OR+')}`);
    expect(many.statusCode).toBe(400);
    expect(many.body).toContain(`too many search terms: ${MAX_TERMS + 1} different ones, at most ${MAX_TERMS}`);
    // "v" starts more than 100 different words of the fixtures' bodies
    const broad = await app.fastify.inject({ method: 'POST', url: '/all/?x=m&q=b:v*', payload: '' });
    expect(broad.statusCode).toBe(400);
    expect(broad.body).toMatch(/^Bad query: v\* matches more than 100 words \(in \w+:\): make the prefix longer/);
  });

  it('stops a statement inside SQLite at the deadline, and refuses searches past their share of time', () => {
    const db: Db = openDatabase(dir, { readonly: true });
    const budget = new SearchBudget(db, 300);
    const runaway = () => budget.run(() => db.prepare(RUNAWAY).get());
    // each runaway statement is stopped at its deadline...
    let spent = 0;
    let stopped = 0;
    for (;;) {
      const t0 = performance.now();
      let error: unknown;
      try {
        runaway();
      } catch (err) {
        error = err;
      }
      const ms = performance.now() - t0;
      expect(error).toBeInstanceOf(SearchOverBudget);
      if (/took longer than 0.3 s/.test((error as Error).message)) {
        expect(ms).toBeGreaterThanOrEqual(300);
        expect(ms).toBeLessThan(300 + 200);
        spent += ms;
        stopped++;
        continue;
      }
      // ...until searches took half of the last 2 s: the next one is refused at once
      expect((error as Error).message).toMatch(/searches are using all the time this server gives them/);
      expect(ms).toBeLessThan(50);
      break;
    }
    expect(stopped).toBeGreaterThanOrEqual(3);
    expect(spent).toBeGreaterThanOrEqual(1000);
    db.close();
  });

  it('says when searches have room again after refusing one for its share', () => {
    const db: Db = openDatabase(dir, { readonly: true });
    const budget = new SearchBudget(db);
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      /** A search that takes `ms` of the clock. */
      const search = (ms: number) => budget.run(() => vi.advanceTimersByTime(ms));
      search(600);
      search(600);
      // 1,200 ms of the last 2 s went to searches: the window must slide 200 ms into the first one,
      // which began 800 ms before it, and one more, for the share to be under half
      let refused: SearchOverBudget | undefined;
      try {
        search(1);
      } catch (err) {
        refused = err as SearchOverBudget;
      }
      expect(refused?.roomInMs).toBe(1001);
      expect(refused?.retryAfter).toBe(2);
      vi.advanceTimersByTime(1000);
      expect(() => search(1)).toThrow(/all the time this server gives them/);
      vi.advanceTimersByTime(1);
      expect(() => search(1)).not.toThrow();
    } finally {
      vi.useRealTimers();
      db.close();
    }
  });

  it('answers a search stopped for time with 503 and Retry-After, as a page and as a download', async () => {
    // every search statement of this app now runs out of time at its first row
    app.db.function('lk_search_in_time', { deterministic: false }, () => {
      throw new SearchOverBudget('the search took longer than 1 s and was stopped: narrow it down', 1);
    });
    for (const [method, url] of [
      ['GET', '/iommu/?q=s:pasid'],
      ['GET', '/iommu/?q=s:pasid&r&x=A'],
      ['POST', '/iommu/?x=m&q=s:pasid'],
      ['POST', '/iommu/?x=m&t=1&q=s:pasid'],
    ] as const) {
      const { r } = await timed(url, method);
      expect(r.statusCode, url).toBe(503);
      expect(r.headers['retry-after'], url).toBe('1');
      expect(r.body, url).toContain('the search took longer than 1 s and was stopped');
    }
  });

  it('answers a search refused for its share once searches have room, rather than 503', async () => {
    // a search's first row now takes 600 ms (the thread blocked, as by a costly statement)
    let slow = 0;
    app.db.function('lk_search_in_time', { deterministic: false }, () => {
      if (slow > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, slow);
      slow = 0;
      return 1;
    });
    for (const q of ['s:pasid', 's:iommu']) {
      slow = 600;
      expect((await get(`/iommu/?q=${q}`)).statusCode).toBe(200);
      expect(slow, 'the search read a row').toBe(0);
    }
    // searches took 1.2 s of the last 2: the next one is refused, waits for room (about a
    // second, less what the requests took), then runs
    const { r, ms } = await timed('/iommu/?q=b:pasid');
    expect(r.statusCode).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(500);
  });
});
