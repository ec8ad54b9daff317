// Where test inputs live (the project's fixtures, the shared corpus beside the repository) and where
// tests write: directories under the run's temporary root, which test/helpers/global-setup.ts makes
// the TMPDIR of every test process (and so of every program they run) and removes when the run ends.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(ROOT, 'fixtures');
export const CORPUS = join(ROOT, '..', 'shared', 'corpus');
export const CLI = join(ROOT, 'bin', 'lorekeeper.js');

export const fixture = (name: string) => join(FIXTURES, name);
export const corpus = (name: string) => join(CORPUS, name);

/** The hostile sample (569 messages built to break archives; copied from ../shared/corpus) and its cases. */
export const HOSTILE_SAMPLE = fixture('hostile-sample.mbox.gz');
export const HOSTILE_CASES = fixture('hostile-sample.mbox.cases.json');

/** A new empty directory, gone when the run ends. */
export function tempDir(prefix = 'lk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A new empty directory that outlives the run (outside its temporary root), for what a failing test
 * keeps for a look; the test removes it itself when it passes.
 */
export function keptDir(prefix: string): string {
  return mkdtempSync(join(process.env.LK_OUTER_TMPDIR ?? tmpdir(), prefix));
}

/**
 * Whether the shared corpus file is beside the clone; a long test that needs it skips its suite
 * when it is not, and says so (a user's clone has no ../shared).
 */
export function haveCorpus(name: string): boolean {
  if (existsSync(corpus(name))) return true;
  console.warn(`skipped: ${corpus(name)} is not there (../shared comes with CI, not with a clone)`);
  return false;
}
