// Once per run, before any test file: a temporary root that becomes the TMPDIR of every test process
// and of every program they start (stores, repositories, client homes, browser profiles all land
// there) and is removed when the run ends, whatever the tests left; the fixtures ingested once into a
// store that tests copy (test/helpers/store.ts fixtureStore) instead of each ingesting them. (The
// tests' type-check is `npm run lint`'s: static checking, like eslint, not a test to wait for.)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
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

/**
 * The processes whose TMPDIR is `root`, but this one and its children (vitest's workers, which may
 * not have ended yet): started by this run's tests.
 */
function processesOf(root: string): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  for (const pid of readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)) {
    if (pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`TMPDIR=${root}`)) continue;
      // (the fields after the command name: the parent is the second)
      if (Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ')[1]) === process.pid) continue;
      out.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').slice(0, 200) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'lk-run-'));
  process.env.LK_OUTER_TMPDIR = outer;
  process.env.TMPDIR = root;
  const store = join(root, 'fixture-store');
  const summaries = await ingestFixtures(store);
  if (summaries.some((s) => s.quarantined)) throw new Error(`a fixture was quarantined: ${JSON.stringify(summaries)}`);
  project.provide('fixtureStore', store);
  return async () => {
    // a test that failed before its own cleanup may have left a server or client running: whatever
    // still has the run's root as its TMPDIR is ended, and named, so that the leak gets fixed
    for (const { pid, command } of processesOf(root)) {
      console.warn(`a test left ${command} (pid ${pid}) running: killed`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it ended meanwhile
      }
    }
    if (process.env.LK_KEEP_TMP) console.log(`test files kept in ${root}`);
    else {
      // half a gigabyte of stores and repositories, which rm takes 3-4 s to remove: that goes on
      // after the run has ended, in the background, under a name no run uses
      const doomed = `${root}.removing`;
      renameSync(root, doomed);
      spawn('rm', ['-rf', doomed], { detached: true, stdio: 'ignore' }).unref();
    }
  };
}
