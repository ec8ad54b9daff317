import { defineConfig } from 'vitest/config';

// `npm test`: everything that runs on a plain clone in about two minutes. Tests that need the shared
// corpus or run for minutes are named *.long.test.ts and run by `npm run test:long`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.long.test.ts', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
