import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { ParsePool } from '../../src/ingest/parse-pool.js';
import type { StoreReader } from '../../src/store/reader.js';
import type { Db } from '../../src/store/open-database.js';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { messageIds } from '../../src/mail/message-id.js';
import { tempDir, HOSTILE_SAMPLE, HOSTILE_CASES } from '../helpers/paths.js';
import { hostileCase, readMbox } from '../helpers/mbox.js';
import { openReader } from '../helpers/store.js';

interface Case {
  case: string;
  expect: Record<string, unknown>;
}

const messages = readMbox(HOSTILE_SAMPLE);
const cases: Case[] = JSON.parse(readFileSync(HOSTILE_CASES, 'utf8'));
const midOf = (raw: Buffer) => messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0];

describe('the hostile sample', () => {
  const dir = tempDir();
  let summary: IngestSummary;
  let db: Db;
  let reader: StoreReader;
  beforeAll(async () => {
    // every message parsed on the workers (an ingest of the sample alone would parse it inline: it is
    // smaller than the pool's inline budget), as the hostile parts of a large list are
    const pool = new ParsePool(2, 0);
    try {
      summary = await ingest({ dataDir: dir, inbox: 'hostile', sources: [HOSTILE_SAMPLE], pool });
      expect(pool.started).toBe(true);
    } finally {
      await pool.close();
    }
    ({ db, reader } = openReader(dir));
  });
  afterAll(() => db.close());

  it('ingests completely: every message accounted for, none lost', () => {
    expect(summary.read).toBe(569);
    expect(summary.added + summary.duplicates + summary.quarantined).toBe(summary.read);
    // the one content-identical copy of <dup@h> is the only duplicate
    expect(summary).toMatchObject({ added: 568, duplicates: 1, quarantined: 0 });
  });

  it('stores every message it did not count as a duplicate, byte for byte', () => {
    const inbox = reader.inbox('hostile')!;
    const duplicate = hostileCase(messages, 'dup-identical');
    let checked = 0;
    for (const raw of messages) {
      const mid = midOf(raw);
      if (!mid || raw === duplicate) continue;
      const stored = reader.numsByMid(mid, { inboxId: inbox.id }).map((n) => reader.raw(n)!);
      expect(
        stored.some((s) => s.equals(raw)),
        mid,
      ).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(560);
  });

  for (const c of cases) {
    const { stored, both_kept: bothKept, dedup_identical: dedupIdentical, raw_exact: rawExact } = c.expect;
    if (!stored && !bothKept && !dedupIdentical && !rawExact) continue;
    it(`${c.case}: ${Object.keys(c.expect).join(', ')}`, () => {
      const raw = hostileCase(messages, c.case);
      const mid = midOf(raw);
      const nums = mid ? reader.numsByMid(mid) : [];
      if (!mid) {
        // no (or an empty) Message-ID: found under the stable id generated for it
        const gen =
          reader.inboxes().length &&
          (db
            .prepare("SELECT num FROM msg WHERE mid LIKE '%@z' AND subject = ?")
            .all(raw.toString().match(/^Subject: (.*)$/m)![1]) as { num: number }[]);
        expect(gen && gen.length).toBe(1);
        expect(reader.raw((gen as { num: number }[])[0].num)!.equals(raw)).toBe(true);
        return;
      }
      if (stored || rawExact) expect(nums.map((n) => reader.raw(n)!).some((s) => s.equals(raw))).toBe(true);
      if (bothKept) expect(nums).toHaveLength(2);
      if (dedupIdentical) expect(nums).toHaveLength(2);
    });
  }

  it('keeps a message with two Message-IDs reachable under both', () => {
    expect(reader.numsByMid('first@h')).toEqual(reader.numsByMid('second@h'));
    expect(reader.numsByMid('first@h')).toHaveLength(1);
  });

  it('threads loops, self-references and a 200-deep chain without hanging', () => {
    const a = reader.message(reader.numsByMid('loop-a@h')[0])!;
    const b = reader.message(reader.numsByMid('loop-b@h')[0])!;
    expect(a.tid).toBe(b.tid);
    const deep = reader.message(reader.numsByMid('deep-199@h')[0])!;
    expect(reader.message(reader.numsByMid('deep-0@h')[0])!.tid).toBe(deep.tid);
    const wide = reader.message(reader.numsByMid('wide-root@h')[0])!;
    expect(reader.thread(wide, { inboxId: wide.inboxId }).members.length).toBeGreaterThanOrEqual(301);
  });
});
