// The command line as a few bundled files (dist/bundle/, after tsc): node starts `lorekeeper` and
// its serve workers loading one file per command instead of some 150 modules and their packages'
// files: a `lorekeeper ingest` imports in 135 ms of CPU instead of 300, `serve` in 270 instead of
// 640 (what a mail server's ingest of each arriving batch, and each serve worker, pays on start).
// better-sqlite3 stays a package: it loads its compiled addon from its own directory.
// dist/bundle/ sits as deep as dist/*/: modules find views/ and src/store/dictionaries/ (and the
// worker scripts in dist/) by paths relative to their own file, which hold for the bundle's too.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  external: ['better-sqlite3'],
  output: { dir: 'dist/bundle', format: 'esm' },
});
