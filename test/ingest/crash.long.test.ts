import { describe, it, expect, beforeAll } from 'vitest';
import seedrandom from 'seedrandom';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli, startCli } from '../helpers/cli.js';
import { openReader } from '../helpers/store.js';

/** Messages in the crash input: enough for a few seconds of ingest and several batches. */
const MESSAGES = 6000;
/** Kill points are random; a failure names the seed, and CRASH_SEED=N replays it. */
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

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
  // listen from the start: a resumed run with little left may finish before the kill comes
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  child.kill('SIGKILL');
  await exited;
  return committed(dir);
}

describe.skipIf(!haveCorpus('virtualization.mbox.gz'))('an ingest killed with SIGKILL', () => {
  let source: string;
  let reference: string;
  /** How long an uninterrupted ingest of the input takes here. */
  let fullMs: number;
  beforeAll(() => {
    source = join(tempDir(), 'virt-head.mbox');
    writeFileSync(source, Buffer.concat(readMbox(corpus('virtualization.mbox.gz')).slice(0, MESSAGES).map(toMboxrd)));
    const dir = tempDir();
    const t0 = Date.now();
    expect(jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', source]))).toMatchObject({
      read: MESSAGES,
    });
    fullMs = Date.now() - t0;
    reference = runCli(['digest', '--data', dir]).stdout;
  });

  // each store is killed three times at random points of its ingest (the next run picks up what
  // the last left, and is killed in turn), then ingested to the end
  it.each([0, 1, 2])(
    `and rerun after three random kills ends with the same store as an uninterrupted run (store %i, seed ${SEED})`,
    { timeout: 600_000 },
    async (store) => {
      const random = seedrandom(`${SEED}:${store}`);
      const dir = tempDir();
      const kills: string[] = [];
      for (let k = 0; k < 3; k++) {
        const ms = Math.round(50 + random() * fullMs);
        kills.push(`${ms} ms: ${await ingestKilledAfter(dir, source, ms)} committed`);
      }
      const rerun = jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', source]));
      expect(rerun.read).toBe(MESSAGES);
      expect(runCli(['digest', '--data', dir]).stdout, `CRASH_SEED=${SEED}, kills after ${kills.join(', ')}`).toBe(
        reference,
      );
    },
  );
});
