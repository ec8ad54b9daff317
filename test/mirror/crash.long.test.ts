// A git archive's ingest at scale: 6,000 messages of the virtualization list as a public-inbox
// epoch, with removals among them. Killed with SIGKILL at random points and rerun, or kept current
// in several runs as the history grew, it ends with the store of one uninterrupted ingest.
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { killThrice, SEED } from '../helpers/crash.js';
import { buildRepo, type EpochOp } from '../helpers/public-inbox.js';
import { have } from '../helpers/programs.js';

const MESSAGES = 6000;

describe.skipIf(!haveCorpus('virtualization.mbox.gz') || !have('git'))('an ingest of a git archive', () => {
  const ops: EpochOp[] = [];
  let inbox: string;
  let reference: string;
  let fullMs: number;
  const ingest = (dir: string) => ['ingest', '--data', dir, '--inbox', 'virt', '--json', inbox];
  const digest = (dir: string) => runCli(['digest', '--data', dir]).stdout;

  beforeAll(() => {
    // every 400th message, the one 50 before it is removed (public-inbox-learn rm's commit)
    readMbox(corpus('virtualization.mbox.gz'))
      .slice(0, MESSAGES)
      .forEach((add, i) => {
        ops.push({ add });
        if (i % 400 === 399) ops.push({ remove: i - 50 });
      });
    inbox = tempDir();
    buildRepo(join(inbox, 'git', '0.git'), ops, 2);
    const dir = tempDir();
    const t0 = Date.now();
    expect(jsonSummary(runCli(ingest(dir)))).toMatchObject({ read: MESSAGES, removed: 15 });
    fullMs = Date.now() - t0;
    reference = digest(dir);
  });

  it.each([0, 1, 2])(
    `killed three times at random points and rerun ends with the same store as an uninterrupted run (store %i, seed ${SEED})`,
    { timeout: 600_000 },
    async (store) => {
      const dir = tempDir();
      const kills = await killThrice(dir, ingest(dir), fullMs, store);
      jsonSummary(runCli(ingest(dir)));
      expect(digest(dir), kills).toBe(reference);
    },
  );

  it('kept current in four runs as the history grew ends with the store of one run', { timeout: 600_000 }, () => {
    const dir = tempDir();
    const grown = tempDir();
    for (const upTo of [1000, 2500, 4711, ops.length]) {
      buildRepo(join(grown, 'git', '0.git'), ops.slice(0, upTo), 2);
      jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virt', '--json', grown]));
    }
    expect(digest(dir)).toBe(reference);
  });
});
