import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { storeDigest } from '../../src/store/digest.js';
import { buildThreadTree, walkTree } from '../../src/mail/thread-tree.js';
import type { StoreReader } from '../../src/store/reader.js';
import type { Db } from '../../src/store/open-database.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { ingestFixtures, openReader } from '../helpers/store.js';

interface ExpectedRow {
  mid: string;
  parent: string | null;
  ghost: boolean;
}

/** The thread overview rows, depth-first, as public-inbox prints them. */
function overview(reader: StoreReader, inboxName: string, mid: string): ExpectedRow[] {
  const inbox = reader.inbox(inboxName)!;
  const first = reader.message(reader.numsByMid(mid, { inboxId: inbox.id })[0])!;
  const members = reader.thread(first, { inboxId: inbox.id }).members;
  const rows: ExpectedRow[] = [];
  walkTree(buildThreadTree(members), (n) => rows.push({ mid: n.mid, parent: n.parent?.mid ?? null, ghost: !n.msg }));
  return rows;
}

describe('ingesting the fixture inboxes', () => {
  const dir = tempDir();
  let summaries: IngestSummary[];
  let db: Db;
  let reader: StoreReader;
  beforeAll(async () => {
    summaries = await ingestFixtures(dir);
    ({ db, reader } = openReader(dir));
  });
  afterAll(() => db.close());

  it('stores all 84 messages of the vfio vSVA v7 thread as one thread', () => {
    expect(summaries[0]).toMatchObject({ read: 84, added: 84, duplicates: 0, quarantined: 0 });
    const iommu = reader.inbox('iommu')!;
    const tids = new Set(
      readMbox(fixture('vfio-vsva-v7.thread.mbox')).map((raw) => {
        const mid = /^Message-I[Dd]:\s*<([^>]+)>/m.exec(raw.toString())![1];
        return reader.message(reader.numsByMid(mid, { inboxId: iommu.id })[0])!.tid;
      }),
    );
    expect(tids.size).toBe(1);
  });

  it('links the vfio thread exactly as public-inbox shows it', () => {
    const expected: ExpectedRow[] = JSON.parse(readFileSync(fixture('expected/vfio-vsva-v7.tree.json'), 'utf8'));
    expect(overview(reader, 'iommu', '1599734733-6431-1-git-send-email-yi.l.liu@intel.com')).toEqual(expected);
  });

  it('hangs the vsock replies under [not found] ghosts as public-inbox does', () => {
    // the inbox's second source is the 23-message virtio_ring series thread
    expect(summaries[1]).toMatchObject({ read: 7 + 23, added: 7 + 23 });
    const expected: ExpectedRow[] = JSON.parse(readFileSync(fixture('expected/vsock-multicid.tree.json'), 'utf8'));
    const rows = overview(reader, 'virtualization', '20210802134251.hgg2wnepia4cjwnv@steredhat');
    expect(rows).toEqual(expected);
    expect(rows.filter((r) => r.ghost).map((r) => r.mid)).toContain(
      '20210802120720.547894-1-fuguancheng@bytedance.com',
    );
    const tid = reader.message(reader.numsByMid('20210802134251.hgg2wnepia4cjwnv@steredhat')[0])!.tid;
    const ghostRows = db
      .prepare(
        'SELECT i.mid FROM msg m JOIN id2num x ON x.num = m.num JOIN msgid i ON i.id = x.id WHERE m.tid = ? AND m.num < 0',
      )
      .pluck()
      .all(tid);
    expect(ghostRows).toContain('20210802120720.547894-1-fuguancheng@bytedance.com');
  });

  it('keeps every byte of every message', () => {
    const iommu = reader.inbox('iommu')!;
    for (const raw of readMbox(fixture('vfio-vsva-v7.thread.mbox'))) {
      const mid = /^Message-I[Dd]:\s*<([^>]+)>/m.exec(raw.toString())![1];
      const stored = reader.numsByMid(mid, { inboxId: iommu.id }).map((n) => reader.raw(n)!);
      expect(stored.some((s) => s.equals(raw))).toBe(true);
    }
  });

  it('a second ingest of the same sources adds nothing and changes nothing', async () => {
    const before = storeDigest(db);
    const again = await ingest({
      dataDir: dir,
      inbox: 'iommu',
      sources: [fixture('vfio-vsva-v7.thread.mbox')],
      jobs: 2,
    });
    expect(again).toMatchObject({ read: 84, added: 0, duplicates: 84, quarantined: 0 });
    expect(storeDigest(db)).toBe(before);
  });
});

describe('seed 003: one Message-ID, two different copies', () => {
  it('keeps both copies, in arrival order, each byte for byte', async () => {
    const dir = tempDir();
    const s = await ingest({
      dataDir: dir,
      inbox: 'all',
      sources: [fixture('seed-003-kvm.eml'), fixture('seed-003-qemu-devel.eml')],
      jobs: 0,
    });
    expect(s).toMatchObject({ read: 2, added: 2, duplicates: 0 });
    const { db, reader } = openReader(dir);
    const nums = reader.numsByMid('57E38D7D.1050806@huawei.com');
    expect(nums).toHaveLength(2);
    expect(reader.raw(nums[0])!.equals(readFileSync(fixture('seed-003-kvm.eml')))).toBe(true);
    expect(reader.raw(nums[1])!.equals(readFileSync(fixture('seed-003-qemu-devel.eml')))).toBe(true);
    expect(reader.message(nums[1])!.subject).toMatch(/^\[Qemu-devel\] \[RFC\/PATCH 2\]/);
    db.close();
  });
});
