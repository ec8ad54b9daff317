// Messages taken out of a store (removed upstream) and edited in place, on the real virtio_ring
// thread: everything derived from them follows, and nothing else moves.
import { describe, it, expect, beforeEach } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { StoreWriter } from '../../src/store/writer.js';
import { StoreReader } from '../../src/store/reader.js';
import { SeriesReader } from '../../src/store/series-reader.js';
import { analyzeMessage } from '../../src/mail/analyze.js';
import { compressRaw } from '../../src/store/raw-codec.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';

const THREAD = fixture('virtio-ring-cleanup-v2.thread.mbox');
const COVER = '20230315185458.11638-1-feliu@nvidia.com';
const PATCH_2 = '20230315185458.11638-3-feliu@nvidia.com';
/** David Edmondson's Reviewed-by of patch 2/3: nothing answers it. */
const REVIEW_2 = 'm2ttyjhh4m.fsf@oracle.com';

function message(mid: string): Buffer {
  const m = readMbox(THREAD).find((b) => b.includes(`Message-ID: <${mid}>`));
  if (!m) throw new Error(`no <${mid}> in the fixture`);
  return m;
}

describe('removing and replacing messages', () => {
  let dir: string;
  let db: Db;
  let writer: StoreWriter;
  let reader: StoreReader;
  const inThread = (mid: string) => reader.messageByMid(mid, 'all');
  const rowsOf = (mid: string) =>
    db
      .prepare(
        'SELECT x.num, m.tid FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num WHERE i.mid = ?',
      )
      .all(mid) as { num: number; tid: number }[];
  const hits = (match: string) => db.prepare('SELECT rowid FROM fts WHERE fts MATCH ?').pluck().all(match);
  const series = () => new SeriesReader(db).forMessage(inThread(COVER)!.num, inThread(COVER)!.tid, 1)!;
  const change = (fn: () => void) => {
    writer.begin();
    fn();
    writer.commit();
    writer.finish();
  };

  beforeEach(async () => {
    dir = tempDir();
    await ingest({ dataDir: dir, inbox: 'virtualization', sources: [THREAD], jobs: 0 });
    db = openDatabase(dir);
    writer = new StoreWriter(db);
    reader = new StoreReader(db);
  });

  it('leaves a ghost where replies refer to the removed message, and takes it out of search and series', () => {
    const patch = inThread(PATCH_2)!;
    const generation = reader.generation();
    const blobs = db.prepare('SELECT count(*) FROM blob').pluck().get() as number;
    expect(series()).toMatchObject({ present: 3, complete: true });
    expect(hits('s:inline')).toContain(patch.num);

    writer.begin();
    writer.remove(patch.num);
    writer.commit();
    // servers drop what they cached before, even before the chains are relinked (which says so too)
    expect(reader.generation()).toBeGreaterThan(generation);
    writer.finish();
    expect(inThread(PATCH_2)).toBeUndefined();
    expect(reader.raw(patch.num)).toBeUndefined();
    // Jason Wang's and David Edmondson's replies still hang from it
    const [ghost] = rowsOf(PATCH_2);
    expect(ghost.num).toBeLessThan(0);
    expect(ghost.tid).toBe(patch.tid);
    expect(inThread(REVIEW_2)!.tid).toBe(patch.tid);
    expect(hits('s:inline')).not.toContain(patch.num);
    expect(series()).toMatchObject({ present: 2, complete: false });
    expect(db.prepare('SELECT count(*) FROM blob').pluck().get()).toBe(blobs - 1);
    expect(db.prepare('SELECT count(*) FROM patchid WHERE num = ?').pluck().get(patch.num)).toBe(0);

    // the same message again: a new number (the old one is never given twice), back in its place
    const last = db.prepare(`SELECT val FROM counter WHERE key = 'article'`).pluck().get() as number;
    const m = analyzeMessage(message(PATCH_2));
    change(() => writer.add(1, m, compressRaw(message(PATCH_2))));
    expect(rowsOf(PATCH_2)).toEqual([{ num: last + 1, tid: patch.tid }]);
    expect(series()).toMatchObject({ present: 3, complete: true });
  });

  it('moves the generation on when the newest message goes (its number is not the highest held any more)', () => {
    const newest = db.prepare('SELECT max(num) FROM msg').pluck().get() as number;
    const generation = reader.generation();
    writer.begin();
    writer.remove(newest);
    writer.commit();
    expect(reader.generation()).toBeGreaterThan(generation);
  });

  it('leaves no ghost for a message nothing refers to', () => {
    const review = inThread(REVIEW_2)!;
    change(() => writer.remove(review.num));
    expect(rowsOf(REVIEW_2)).toEqual([]);
    expect(db.prepare('SELECT count(*) FROM msg WHERE num < 0 AND tid = ?').pluck().get(review.tid)).toBe(0);
  });

  it('replaces an edited message in place: same number and thread, the new text and trailers', () => {
    const review = inThread(REVIEW_2)!;
    const trailers = () =>
      new SeriesReader(db)
        .trailers(series().id)
        .filter((t) => t.fromNum === review.num)
        .map((t) => t.name);
    expect(trailers()).toEqual(['Reviewed-by']);
    const edited = Buffer.from(
      message(REVIEW_2).toString('latin1').replace('Reviewed-by: David Edmondson', 'Acked-by: David Edmondson'),
      'latin1',
    );
    change(() => writer.replace(review.num, analyzeMessage(edited), compressRaw(edited)));
    expect(inThread(REVIEW_2)).toMatchObject({ num: review.num, tid: review.tid });
    expect(reader.raw(review.num)).toEqual(edited);
    expect(trailers()).toEqual(['Acked-by']);
    expect(hits('nq:acked')).toContain(review.num);
  });
});
