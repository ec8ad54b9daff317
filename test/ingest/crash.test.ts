import { describe, it, expect, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { corpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli, startCli } from '../helpers/cli.js';
import { openReader } from '../helpers/store.js';

/** Messages in the crash input: enough for a few seconds of ingest and several batches. */
const MESSAGES = 6000;

function committed(dir: string): number {
  try {
    const { db } = openReader(dir);
    const n = (db.prepare('SELECT count(*) AS n FROM msg WHERE num > 0').get() as { n: number }).n;
    db.close();
    return n;
  } catch {
    return 0;
  }
}

async function ingestKilledAfter(dir: string, source: string, ms: number): Promise<number> {
  const child = startCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', source]);
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return committed(dir);
}

describe('an ingest killed with SIGKILL', () => {
  let source: string;
  let reference: string;
  beforeAll(() => {
    source = join(tempDir(), 'virt-head.mbox');
    writeFileSync(source, Buffer.concat(readMbox(corpus('virtualization.mbox.gz')).slice(0, MESSAGES).map(toMboxrd)));
    const dir = tempDir();
    expect(jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', source]))).toMatchObject({ read: MESSAGES });
    reference = runCli(['digest', '--data', dir]).stdout;
  });

  it.each([700, 1400, 2100])('and rerun ends with the same store as an uninterrupted run (kill after %i ms)', async (ms) => {
    const dir = tempDir();
    const atKill = await ingestKilledAfter(dir, source, ms);
    expect(atKill).toBeLessThan(MESSAGES);
    const rerun = jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', source]));
    expect(rerun.read).toBe(MESSAGES);
    expect(rerun.duplicates).toBeGreaterThanOrEqual(atKill);
    expect(runCli(['digest', '--data', dir]).stdout).toBe(reference);
  });
});
