import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { messageIds } from '../../src/mail/message-id.js';
import { analyzeMessage } from '../../src/mail/analyze.js';
import type { StoreReader } from '../../src/store/reader.js';
import type { Db } from '../../src/store/open-database.js';
import { corpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { openReader } from '../helpers/store.js';

/** Every 50th message of the archive is compared with what the store gives back. */
const SAMPLE_EVERY = 50;

describe('the whole virtualization list (27,573 real messages)', () => {
  const dir = tempDir();
  let summary: ReturnType<typeof jsonSummary>;
  let db: Db;
  let reader: StoreReader;
  beforeAll(() => {
    summary = jsonSummary(runCli(['ingest', '--data', dir, '--inbox', 'virtualization', '--json', corpus('virtualization.mbox.gz')]));
    ({ db, reader } = openReader(dir));
  });
  afterAll(() => db.close());

  it('accounts for every message in the summary', () => {
    expect(summary.read).toBe(27573);
    expect(summary.added + summary.duplicates + summary.quarantined).toBe(27573);
    expect(summary.quarantined).toBe(0);
    // the archive holds 7 copies identical to an earlier one under the same Message-ID
    expect(summary.duplicates).toBe(7);
    expect(reader.messageCount({ inboxId: reader.inbox("virtualization")!.id })).toBe(summary.added);
  });

  it('gives back a sample of messages byte for byte', () => {
    const messages = readMbox(corpus('virtualization.mbox.gz'));
    const chash = db.prepare('SELECT chash FROM msg WHERE num = ?').pluck();
    let identical = 0;
    let duplicates = 0;
    for (let i = 0; i < messages.length; i += SAMPLE_EVERY) {
      const raw = messages[i];
      const mid = messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0];
      const nums = reader.numsByMid(mid);
      if (nums.some((n) => reader.raw(n)!.equals(raw))) identical++;
      else {
        // a later copy that differs only in trace headers: counted as a duplicate of a stored one
        const hash = analyzeMessage(raw).contentHash;
        expect(nums.some((n) => (chash.get(n) as Buffer).equals(hash)), mid).toBe(true);
        duplicates++;
      }
    }
    expect(identical + duplicates).toBe(552);
    expect(duplicates).toBeLessThanOrEqual(summary.duplicates);
  });
});
