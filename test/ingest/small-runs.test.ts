// What makes a run of a few new messages cheap (parse workers started only for more than a little
// mail; the scan for stale bodies only after a renderer change) must not change what is stored.
import { describe, it, expect } from 'vitest';
import { ParsePool } from '../../src/ingest/parse-pool.js';
import { processRaw } from '../../src/ingest/process-raw.js';
import { ingest } from '../../src/ingest/ingest.js';
import { openDatabase } from '../../src/store/open-database.js';
import { StoreWriter } from '../../src/store/writer.js';
import { BODY_HTML_VERSION } from '../../src/html/body-html.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';

const THREAD = fixture('vfio-vsva-v7.thread.mbox');
/** The pool's inline budget here: a quarter of the real one's messages parsed, the same rule. */
const BUDGET = 1 << 20;

describe('parse pool', () => {
  it('parses inline until its inline budget, then on its workers, with the same results', async () => {
    const raws = readMbox(THREAD);
    const pool = new ParsePool(2, BUDGET);
    try {
      const got = [];
      let bytes = 0;
      let startedAt = -1;
      // the same messages again and again until the workers must have taken over
      for (let i = 0; bytes < BUDGET * 1.5; i++) {
        const raw = raws[i % raws.length];
        got.push({ raw, processed: await pool.submit(raw) });
        bytes += raw.length;
        if (startedAt < 0 && pool.started) startedAt = i;
        if (bytes <= BUDGET) expect(pool.started).toBe(false);
      }
      expect(startedAt).toBeGreaterThan(0);
      expect(got.length - startedAt).toBeGreaterThan(10);
      for (const { raw, processed } of got.slice(startedAt, startedAt + 20)) expect(processed).toEqual(processRaw(raw));
    } finally {
      await pool.close();
    }
  });

  it('never starts workers with jobs = 0', async () => {
    const raws = readMbox(THREAD);
    const pool = new ParsePool(0, BUDGET);
    for (let bytes = 0; bytes < BUDGET * 1.2;) for (const raw of raws) bytes += (await pool.submit(raw), raw.length);
    expect(pool.started).toBe(false);
  });
});

describe('stale bodies', () => {
  /** The stored fragments: num -> [version, bytes]. */
  function bodies(dir: string): Map<number, [number, string]> {
    const db = openDatabase(dir);
    try {
      const rows = db.prepare('SELECT num, version, html FROM body_html ORDER BY num').all() as {
        num: number;
        version: number;
        html: Buffer;
      }[];
      return new Map(rows.map((r) => [r.num, [r.version, r.html.toString('base64')]]));
    } finally {
      db.close();
    }
  }

  it('are rendered again by the next ingest after a renderer change, and looked for only then', async () => {
    const dir = tempDir();
    await ingest({ dataDir: dir, inbox: 'iommu', sources: [THREAD], jobs: 0 });
    const want = bodies(dir);
    expect(want.size).toBe(84);

    // what a store looks like after the renderer's version moved on: some bodies by the old one,
    // some never rendered, and the note of the old version
    let db = openDatabase(dir);
    db.prepare('DELETE FROM body_html WHERE num % 3 = 0').run();
    db.prepare('UPDATE body_html SET version = ?').run(BODY_HTML_VERSION - 1);
    new StoreWriter(db).setBodiesRendered(BODY_HTML_VERSION - 1);
    db.close();

    const again = await ingest({ dataDir: dir, inbox: 'iommu', sources: [THREAD], jobs: 0 });
    expect(again).toMatchObject({ read: 84, added: 0, duplicates: 84 });
    expect(bodies(dir)).toEqual(want);
    db = openDatabase(dir);
    expect(new StoreWriter(db).bodiesRendered()).toBe(BODY_HTML_VERSION);
    // with the note current, a later run does not look: a body missing now stays missing (pages render it)
    db.prepare('DELETE FROM body_html WHERE num = 1').run();
    db.close();
    await ingest({ dataDir: dir, inbox: 'iommu', sources: [THREAD], jobs: 0 });
    expect(bodies(dir).has(1)).toBe(false);
    expect(bodies(dir).size).toBe(83);
  });
});
