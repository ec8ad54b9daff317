// Once per run, before any test file: a temporary root that becomes the TMPDIR of every test process
// and of every program they start (stores, repositories, client homes, browser profiles all land
// there) and is removed when the run ends, whatever the tests left; and the fixtures ingested once
// into a store that tests copy (test/helpers/store.ts fixtureStore) instead of each ingesting them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ingestFixtures } from './store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A store holding the fixtures as test/helpers/store.ts ingestFixtures ingests them: copy it, never write it. */
    fixtureStore: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'lk-run-'));
  process.env.LK_OUTER_TMPDIR = outer;
  process.env.TMPDIR = root;
  const store = join(root, 'fixture-store');
  const summaries = await ingestFixtures(store);
  if (summaries.some((s) => s.quarantined)) throw new Error(`a fixture was quarantined: ${JSON.stringify(summaries)}`);
  project.provide('fixtureStore', store);
  return () => {
    if (process.env.LK_KEEP_TMP) console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
