// The search fuzz on the whole virtualization list, where searches cost what they cost on a real
// archive: a minute of random queries built from the list's own words (its most frequent words
// first), as pages and downloads. Every answer must start within the search deadline plus time to
// render a page, with a status that says what happened; the budget is what keeps a server serving.
// FUZZ_SEARCH_SECONDS and FUZZ_SEARCH_SEED change the run.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { QueryFuzz, fuzzSearches, reportLine } from '../helpers/query-fuzz.js';
import { SEARCH_DEADLINE_MS } from '../../src/store/search-budget.js';

const SECONDS = Number(process.env.FUZZ_SEARCH_SECONDS ?? 60);
const SEED = process.env.FUZZ_SEARCH_SEED ?? '1';
/** The deadline, and time to render a page of 200 results on a loaded machine. */
const BUDGET_MS = SEARCH_DEADLINE_MS + 1500;

describe.skipIf(!haveCorpus('virtualization.mbox.gz'))('random searches on the whole virtualization list', () => {
  let server: TestServer;
  beforeAll(async () => {
    const dir = tempDir();
    jsonSummary(
      runCli(['ingest', '--data', dir, '--inbox', 'virtualization', '--json', corpus('virtualization.mbox.gz')]),
    );
    server = await startServer(dir);
  });
  afterAll(() => server.close());

  it(`answer within ${BUDGET_MS} ms, each with a status that says what happened (seed ${SEED})`, async () => {
    // the words of every 20th message: enough to know the list's frequent and rare words
    const text = readMbox(corpus('virtualization.mbox.gz'))
      .filter((_, i) => i % 20 === 0)
      .map((m) => m.toString('latin1'))
      .join('\n');
    const report = await fuzzSearches(
      `${server.url}/virtualization/`,
      new QueryFuzz(SEED, text),
      { seconds: SECONDS },
      BUDGET_MS,
    );
    console.log(reportLine(report));
    expect(report.failures).toEqual([]);
    expect(report.ran).toBeGreaterThan(200);
    expect(report.byStatus[200]).toBeGreaterThan(report.ran / 10);
  });
});
