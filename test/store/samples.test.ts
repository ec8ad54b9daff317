// What the benchmarks pick from a store (src/store/samples.ts), on the real vfio vSVA v7 thread and
// the chain-targets series: counts, threads, ghosts, series with the version before them, patches.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { ingest } from '../../src/ingest/ingest.js';
import { StoreSamples } from '../../src/store/samples.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { digestOf, openReader } from '../helpers/store.js';

/** The cover letter of the vfio vSVA v7 series, first of its 84-message thread. */
const VFIO_COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
/** Referred to in chain-targets.mbox but not in it: a ghost. */
const GHOST = '20220530133133.1931716-1-sashal@kernel.org';
/** "[RFC PATCH V2] vhost: don't use kmap() to log dirty pages", after its RFC v1. */
const KMAP_V2 = '1557406680-4087-1-git-send-email-jasowang@redhat.com';

describe('StoreSamples', () => {
  let dir: string;
  let samples: StoreSamples;
  let inboxId: number;

  beforeAll(async () => {
    dir = tempDir();
    await ingest({
      dataDir: dir,
      inbox: 'virtualization',
      sources: [fixture('vfio-vsva-v7.thread.mbox'), fixture('chain-targets.mbox')],
      epochs: false,
    });
    samples = new StoreSamples(dir);
    inboxId = samples.inboxId('virtualization')!;
  });
  afterAll(() => samples.close());

  it('finds the inbox and counts its messages in arrival order', () => {
    expect(samples.inboxes()).toEqual([{ id: inboxId, name: 'virtualization' }]);
    expect(samples.inboxId('nope')).toBeUndefined();
    expect(samples.messageCount(inboxId)).toBe(84 + 56);
    const nums = samples.messageNums(inboxId);
    expect(nums).toHaveLength(140);
    expect(nums).toEqual([...nums].sort((a, b) => a - b));
    expect(samples.messageMids(inboxId)[0]).toBe(VFIO_COVER);
    expect(samples.subjects(inboxId)[0]).toMatch(/^\[PATCH v7 00\/16\] vfio: expose virtual Shared Virtual Addressing/);
  });

  it('picks the thread closest to a size, its first message and its latest', () => {
    const big = samples.threadNear(inboxId, 84, 60, 120)!;
    expect(big.n).toBe(84);
    expect(samples.threadStart(inboxId, big.tid)).toEqual({ mid: VFIO_COVER, n: 84 });
    expect(samples.tidOf(VFIO_COVER)).toBe(big.tid);
    expect(samples.threadFirsts(inboxId, 84, 84)).toEqual([VFIO_COVER]);
    // none that big: the biggest there is
    expect(samples.threadNear(inboxId, 500, 400, 600)).toEqual(big);
    const { db, reader } = openReader(dir);
    const arrival = reader.threadInArrivalOrder(reader.messageByMid(VFIO_COVER, 'all')!, 'all', false);
    expect(samples.latestMids(inboxId, big.tid, 3)).toEqual(
      arrival
        .slice(-3)
        .reverse()
        .map((m) => m.mid),
    );
    db.close();
  });

  it('tells held messages from ghosts', () => {
    expect(samples.holds(VFIO_COVER)).toBe(true);
    expect(samples.tidOf(GHOST)).toBeTypeOf('number');
    expect(samples.holds(GHOST)).toBe(false);
    expect(samples.holds('no-such-message@example.org')).toBe(false);
    expect(samples.tidOf('no-such-message@example.org')).toBeUndefined();
  });

  it('lists series with the version before them, and their patches', () => {
    const series = samples.series(inboxId);
    expect(series).toHaveLength(samples.seriesIds(inboxId).length);
    expect(series[0]).toEqual({ mid: VFIO_COVER, version: 7, prev: null });
    expect(series.find((s) => s.mid === KMAP_V2)).toEqual({ mid: KMAP_V2, version: 2, prev: 1 });
    for (const s of series) if (s.prev !== null) expect(s.prev).toBeLessThan(s.version);
    expect(samples.seriesOfThreads(inboxId, [samples.tidOf(VFIO_COVER)!], 3)).toEqual([VFIO_COVER]);
    const chains = samples.chains(inboxId);
    expect(chains.chains).toBeLessThan(series.length);
    expect(chains.multi).toBeGreaterThan(0);
    // every patch once, by Message-ID and by number; the vfio series' 16 among them
    const nums = samples.patchNums(inboxId);
    const mids = samples.patchMids(inboxId, 1000);
    expect(mids).toHaveLength(nums.length);
    const { db, reader } = openReader(dir);
    expect(new Set(mids)).toEqual(new Set(nums.map((n) => reader.message(n)!.mid)));
    db.close();
    expect(mids.filter((m) => m.startsWith('1599734733-6431-'))).toHaveLength(16);
    expect(samples.patchMids(inboxId, 5)).toEqual(mids.slice(0, 5));
  });

  it('copies the store whole', async () => {
    const copy = join(tempDir(), 'copy');
    await samples.copyTo(copy);
    expect(digestOf(copy)).toBe(digestOf(dir));
  });
});
