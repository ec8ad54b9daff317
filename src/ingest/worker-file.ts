// The ingest's worker threads: where a worker's compiled script is (under src/ or dist/ beside the
// module starting it, or, when that module runs from TypeScript sources (the tests), in the build
// in dist/), and the memory they are given.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A small young generation keeps each worker's garbage, and so the ingest's RSS, bounded. */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

/** `script` is relative to the source root, e.g. `ingest/parse-worker.js`; null when not built. */
export function compiledWorker(callerUrl: string, script: string): string | null {
  const here = fileURLToPath(new URL(`../${script}`, callerUrl));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL(`../../dist/${script}`, callerUrl));
  return existsSync(built) ? built : null;
}
