// The ingest's worker threads: where a worker's compiled script is (under src/ or dist/ beside the
// module starting it, or, when that module runs from TypeScript sources (the tests), in the build
// in dist/), and the memory they are given.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A young generation big enough that a message's garbage dies young: with 4 MiB a parse worker
 * scavenged 588 times per 4,000 messages of the virtualization list, copying the message in hand
 * each time and promoting it for the old generation's marking to find; with 32 MiB, 77 times
 * (about 90 MiB more peak RSS for the ingest). The old generation stays bounded.
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 256 };

/** `script` is relative to the source root, e.g. `ingest/parse-worker.js`; null when not built. */
export function compiledWorker(callerUrl: string, script: string): string | null {
  const here = fileURLToPath(new URL(`../${script}`, callerUrl));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL(`../../dist/${script}`, callerUrl));
  return existsSync(built) ? built : null;
}
