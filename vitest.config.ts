import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first (npm test on main, 2026-11-30). They start first, so
 * that no worker is left running one of them alone at the end: a clone has no timings of its own
 * yet, and vitest then starts the largest files first, which puts the browser suites (files of a
 * few lines over test/browser/*.ts) last.
 */
const SLOWEST = [
  'test/browser/hostile-pages.test.ts',
  'test/browser/hostile.test.ts',
  'test/serve/cache-invalidation.test.ts',
  'test/serve/git-http.test.ts',
  'test/browser/pages.test.ts',
  'test/mirror/git-ingest.test.ts',
  'test/mirror/replica.test.ts',
  'test/mirror/epochs.test.ts',
  'test/fuzz/fuzz.test.ts',
  'test/mirror/watch.test.ts',
  'test/mirror/mirror.test.ts',
  'test/serve/patchwork-api.test.ts',
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOWEST.indexOf(relative(f.project.config.root, f.moduleId));
      return i < 0 ? SLOWEST.length : i;
    };
    // (a stable sort: the other files keep vitest's order)
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// `npm test`: everything that runs on a plain clone in about two minutes. Tests that need the shared
// corpus or run for minutes are named *.long.test.ts and run by `npm run test:long`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.long.test.ts', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    pool: 'forks',
    // three files at a time on two cores (vitest would run one): much of a file's time is spent
    // waiting on the programs it drives (chromium, git, public-inbox, shells), not on a core (npm test
    // on this 2-core machine: 2:08 with three, 2:19 with two)
    maxWorkers: 3,
    // the files a worker runs share its loaded modules (lorekeeper, vitest, playwright: half a second
    // of CPU per file otherwise); a test leaves no global state behind (spies restored, servers closed)
    isolate: false,
    sequence: { sequencer: SlowestFirst },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
