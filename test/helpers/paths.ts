// Where test inputs live: the project's fixtures and the shared corpus beside the repository.
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

export function tempDir(prefix = 'lk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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
