// Patch states on real series: the automatic ones from review trailers, a maintainer's explicit
// state winning over them with who and when, and the change log telling servers which pages it touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import {
  PATCH_STATES,
  PatchStateError,
  patchStates,
  seriesState,
  setPatchState,
} from '../../src/store/patch-states.js';
import { fixture, tempDir } from '../helpers/paths.js';

let db: Db;
/** msg.num of each series' patches, by series title's first word. */
const patches = (db: Db, title: string) =>
  db
    .prepare(
      `SELECT sp.num FROM series_patch sp JOIN series s ON s.id = sp.series_id
       WHERE s.title LIKE ? AND sp.counter > 0 ORDER BY sp.counter`,
    )
    .pluck()
    .all(`${title}%`) as number[];
const seriesId = (db: Db, title: string) =>
  db.prepare('SELECT id FROM series WHERE title LIKE ?').pluck().get(`${title}%`) as number;

beforeAll(async () => {
  const dir = tempDir();
  await ingest({
    dataDir: dir,
    inbox: 'virtualization',
    sources: [fixture('virtio-ring-cleanup-v2.thread.mbox'), fixture('vfio-vsva-v7.thread.mbox')],
    jobs: 0,
  });
  db = openDatabase(dir);
});

describe('patch states', () => {
  it("are Patchwork's ten slugs", () => {
    expect(PATCH_STATES).toHaveLength(10);
    expect(new Set(PATCH_STATES).size).toBe(10);
  });

  it('are under-review for patches a reply gave Reviewed-by or Acked-by, new for the others', () => {
    const ring = patches(db, 'virtio_ring');
    const vfio = patches(db, 'vfio');
    expect(ring).toHaveLength(3);
    expect(vfio).toHaveLength(16);
    const states = patchStates(db, [...ring, ...vfio]);
    for (const n of ring) expect(states.get(n)).toEqual({ state: 'under-review', automatic: true });
    for (const n of vfio) expect(states.get(n)).toEqual({ state: 'new', automatic: true });
    expect(seriesState(db, [seriesId(db, 'virtio_ring')]).get(seriesId(db, 'virtio_ring'))).toEqual({
      state: 'under-review',
      automatic: true,
      counts: { 'under-review': 3 },
    });
  });

  it('are not given to messages that are no patch (a reply, a cover letter)', () => {
    const cover = db.prepare('SELECT cover_num FROM series WHERE title LIKE ?').pluck().get('vfio%') as number;
    const reply = db.prepare('SELECT max(num) FROM msg').pluck().get() as number;
    expect(patchStates(db, [cover, reply]).size).toBe(0);
  });

  it("take a maintainer's explicit state over the automatic one, saying who and when, and log the change", () => {
    const [first, second] = patches(db, 'vfio');
    const seq = db.prepare('SELECT coalesce(max(seq), 0) FROM change').pluck();
    const before = seq.get() as number;
    setPatchState(db, first, 'changes-requested', 'Alex Williamson', 1_700_000_000);
    expect(patchStates(db, [first, second])).toEqual(
      new Map([
        [first, { state: 'changes-requested', automatic: false, setBy: 'Alex Williamson', setAt: 1_700_000_000 }],
        [second, { state: 'new', automatic: true }],
      ]),
    );
    const keys = db.prepare('SELECT key FROM change WHERE seq > ?').pluck().all(before) as string[];
    const chain = db.prepare('SELECT chain FROM series WHERE title LIKE ?').pluck().get('vfio%') as number;
    expect(keys).toContain(`c${chain}`);
    expect(keys.some((k) => k.startsWith('i'))).toBe(true);
    // a mixed series takes its least settled patch's state, and counts them
    const id = seriesId(db, 'vfio');
    expect(seriesState(db, [id]).get(id)).toEqual({
      state: 'new',
      automatic: true,
      counts: { new: 15, 'changes-requested': 1 },
    });
    // a later word replaces the earlier
    setPatchState(db, first, 'accepted', 'Kirti Wankhede', 1_700_000_100);
    expect(patchStates(db, [first]).get(first)?.state).toBe('accepted');
  });

  it('refuse an unknown state or a message that is no patch, writing nothing', () => {
    const [first] = patches(db, 'virtio_ring');
    const reply = db.prepare('SELECT max(num) FROM msg').pluck().get() as number;
    expect(() => setPatchState(db, first, 'merged', 'x', 1)).toThrow(PatchStateError);
    expect(() => setPatchState(db, reply, 'accepted', 'x', 1)).toThrow(PatchStateError);
    expect(db.prepare('SELECT count(*) FROM patch_state WHERE num IN (?, ?)').pluck().get(first, reply)).toBe(0);
  });
});
