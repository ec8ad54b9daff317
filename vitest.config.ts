import { defineConfig } from 'vitest/config';

// `npm test`: everything that runs on a plain clone in about two minutes. Tests that need the shared
// corpus or run for minutes are named *.long.test.ts and run by `npm run test:long`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.long.test.ts', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // two files at a time even on two cores (vitest would run one): much of a file's time is spent
    // waiting on the programs it drives (chromium, git, public-inbox, shells), not on a core
    maxWorkers: 2,
    // the files a worker runs share its loaded modules (lorekeeper, vitest, playwright: half a second
    // of CPU per file otherwise); a test leaves no global state behind (spies restored, servers closed)
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
