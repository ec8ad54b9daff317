// Where test inputs live: the project's fixtures and the shared corpus beside the repository.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
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
