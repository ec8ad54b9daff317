import { defineConfig } from 'vitest/config';

// `npm run test:long`: the whole virtualization list, crash runs, the long fuzz, real-client suites
// that take minutes. Each file says what it skips, and why, when ../shared is not beside the clone.
export default defineConfig({
  test: {
    include: ['test/**/*.long.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
