import { describe, it, expect, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { killThrice, SEED } from '../helpers/crash.js';

/** Messages in the crash input: enough for a few seconds of ingest and several batches. */
const MESSAGES = 6000;

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
      const dir = tempDir();
      const args = ['ingest', '--data', dir, '--inbox', 'virt', '--json', source];
      const kills = await killThrice(dir, args, fullMs, store);
      const rerun = jsonSummary(runCli(args));
      expect(rerun.read).toBe(MESSAGES);
      expect(runCli(['digest', '--data', dir]).stdout, kills).toBe(reference);
    },
  );
});
