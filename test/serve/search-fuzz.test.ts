// A fuzz of searches over the fixtures: 200 random queries (the same ones each run, however busy the
// machine) of the fixtures' words in every case, prefixes, phrases, wildcards, operators, dates and
// junk, as pages and downloads. Every answer must start within the search deadline (plus rendering)
// with a status that says what happened. FUZZ_SEARCH_REQUESTS (or FUZZ_SEARCH_SECONDS, for a run of
// that long instead) and FUZZ_SEARCH_SEED change the run; the long run over the whole virtualization
// list is test/big/search-fuzz.long.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { FIXTURE_INBOXES, fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { QueryFuzz, fuzzSearches, reportLine } from '../helpers/query-fuzz.js';
import { SEARCH_DEADLINE_MS } from '../../src/store/search-budget.js';

const LIMIT = process.env.FUZZ_SEARCH_SECONDS
  ? { seconds: Number(process.env.FUZZ_SEARCH_SECONDS) }
  : { requests: Number(process.env.FUZZ_SEARCH_REQUESTS ?? 200) };
const SEED = process.env.FUZZ_SEARCH_SEED ?? '1';
/** The deadline, and time to render a page of 200 results on a loaded machine. */
const BUDGET_MS = SEARCH_DEADLINE_MS + 1000;

describe('random searches', () => {
  let server: TestServer;
  beforeAll(async () => {
    const dir = fixtureStore();
    server = await startServer(dir);
  });
  afterAll(() => server.close());

  it(`answer within ${BUDGET_MS} ms, each with a status that says what happened (seed ${SEED})`, async () => {
    const text = FIXTURE_INBOXES.flatMap((ib) => ib.sources)
      .map((f) => readFileSync(fixture(f), 'latin1'))
      .join('\n');
    const report = await fuzzSearches(`${server.url}/all/`, new QueryFuzz(SEED, text), LIMIT, BUDGET_MS);
    console.log(reportLine(report));
    expect(report.failures).toEqual([]);
    // the fuzz reaches the index, not only the parser's refusals
    expect(report.ran).toBeGreaterThan(100);
    expect(report.byStatus[200]).toBeGreaterThan(report.ran / 10);
    expect(report.byStatus[400]).toBeGreaterThan(0);
  });
});
