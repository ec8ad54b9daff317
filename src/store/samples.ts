// What the benchmarks (bench/) pick from a store to ask a server for: inboxes, Message-IDs of
// messages, threads, series and patches, and counts. Read-only; bench/ holds no SQL of its own.
import { mkdirSync } from 'node:fs';
import { openDatabase, storePath, type Db } from './open-database.js';

export interface InboxId {
  id: number;
  name: string;
}

/** A series as the web benchmark asks for it: its Message-ID, and the version before it in its chain. */
export interface SeriesSample {
  mid: string;
  version: number;
  /** The highest earlier version of its chain; null when it has none (no interdiff to ask for). */
  prev: number | null;
}

/** Real values of the archive for searches with exact prefixes (`patchid:`, `dfpre:`, `dfpost:`, `m:`, `l:`). */
export interface SearchTerms {
  patchid: string | undefined;
  pre: string | undefined;
  post: string | undefined;
  mid: string | undefined;
  listId: string | undefined;
}

/** Held messages (`num > 0`) of one inbox. */
const HELD = 'inbox_id = ? AND num > 0';

function statements(db: Db) {
  return {
    inboxes: db.prepare<[], InboxId>('SELECT id, name FROM inbox ORDER BY id'),
    inboxId: db.prepare<[string], number>('SELECT id FROM inbox WHERE name = ?').pluck(),
    count: db.prepare<[number], number>(`SELECT count(*) FROM msg WHERE ${HELD}`).pluck(),
    nums: db.prepare<[number], number>(`SELECT num FROM msg WHERE ${HELD} ORDER BY num`).pluck(),
    mids: db.prepare<[number], string>(`SELECT mid FROM msg WHERE ${HELD} AND mid IS NOT NULL ORDER BY num`).pluck(),
    subjects: db.prepare<[number], string>(`SELECT subject FROM msg WHERE ${HELD} ORDER BY num`).pluck(),
    times: db.prepare<[number], number>(`SELECT ts FROM msg WHERE ${HELD} ORDER BY num`).pluck(),
    threadFirsts: db
      .prepare<[number, number, number], string>(
        `SELECT f.mid FROM (SELECT min(num) AS num FROM msg WHERE ${HELD} GROUP BY tid
         HAVING count(*) BETWEEN ? AND ? ORDER BY tid) t JOIN msg f ON f.num = t.num WHERE f.mid IS NOT NULL`,
      )
      .pluck(),
    threadNear: db.prepare<[number, number, number, number], { tid: number; n: number }>(
      `SELECT tid, count(*) AS n FROM msg WHERE ${HELD} GROUP BY tid
       HAVING n BETWEEN ? AND ? ORDER BY abs(n - ?), n DESC, tid LIMIT 1`,
    ),
    biggestThread: db.prepare<[number], { tid: number; n: number }>(
      `SELECT tid, count(*) AS n FROM msg WHERE ${HELD} GROUP BY tid ORDER BY n DESC, tid LIMIT 1`,
    ),
    threadStart: db.prepare<[number, number], { mid: string; n: number }>(
      `SELECT mid, count(*) OVER () AS n FROM msg WHERE ${HELD} AND tid = ? AND mid IS NOT NULL ORDER BY ds, num LIMIT 1`,
    ),
    latestMids: db
      .prepare<[number, number, number], string>(
        `SELECT mid FROM msg WHERE ${HELD} AND tid = ? AND mid IS NOT NULL ORDER BY num DESC LIMIT ?`,
      )
      .pluck(),
    tidOf: db
      .prepare<[string], number>(
        'SELECT m.tid FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num WHERE i.mid = ? LIMIT 1',
      )
      .pluck(),
    holds: db
      .prepare<[string], number>('SELECT 1 FROM msgid i JOIN id2num x ON x.id = i.id WHERE i.mid = ? AND x.num > 0')
      .pluck(),
    series: db.prepare<[number], SeriesSample>(
      `SELECT m.mid, s.version, (SELECT max(o.version) FROM series o WHERE o.chain = s.chain AND o.version < s.version) AS prev
       FROM series s JOIN msg m ON m.num = s.first_num WHERE s.inbox_id = ? AND m.mid IS NOT NULL ORDER BY s.id`,
    ),
    seriesOfThreads: db
      .prepare<[number, string, number], string>(
        `SELECT m.mid FROM series s JOIN msg m ON m.num = s.first_num WHERE s.inbox_id = ? AND m.mid IS NOT NULL
         AND s.tid IN (SELECT value FROM json_each(?)) ORDER BY s.id LIMIT ?`,
      )
      .pluck(),
    seriesIds: db.prepare<[number], number>('SELECT id FROM series WHERE inbox_id = ? ORDER BY id').pluck(),
    patchNums: db
      .prepare<[number], number>(
        `SELECT sp.num FROM series_patch sp JOIN series s ON s.id = sp.series_id
         WHERE s.inbox_id = ? AND sp.counter > 0 AND sp.from_version IS NULL ORDER BY sp.num`,
      )
      .pluck(),
    // a fixed scramble of the numbers (Knuth's multiplicative hash): patches from all over the archive
    patchMids: db
      .prepare<[number, number], string>(
        `SELECT m.mid FROM series_patch sp JOIN msg m ON m.num = sp.num WHERE m.inbox_id = ? AND sp.counter > 0
         AND sp.from_version IS NULL ORDER BY (sp.num * 2654435761) % 4294967296 LIMIT ?`,
      )
      .pluck(),
    chains: db.prepare<[number], { chains: number; multi: number | null; twice: number | null }>(
      `SELECT count(*) AS chains, sum(n > 1) AS multi, sum(n > versions) AS twice FROM
       (SELECT chain, count(*) AS n, count(DISTINCT version) AS versions FROM series WHERE inbox_id = ? GROUP BY chain)`,
    ),
    epochs: db.prepare<[number], number>('SELECT epoch FROM epoch WHERE inbox_id = ? ORDER BY epoch').pluck(),
    blobBytes: db.prepare<[], number | null>("SELECT sum(pgsize) FROM dbstat WHERE name = 'blob'").pluck(),
    renderedBodies: db
      .prepare<[number], Buffer>(
        'SELECT b.html FROM body_html b JOIN msg m ON m.num = b.num WHERE m.inbox_id = ? AND m.num > 0',
      )
      .pluck(),
    patchid: db.prepare<[], string>('SELECT patchid FROM patchid ORDER BY num LIMIT 1 OFFSET 500').pluck(),
    oid: db
      .prepare<[number, number], string>(
        'SELECT oid FROM blob_oid WHERE post = ? AND length(oid) >= 7 ORDER BY num LIMIT 1 OFFSET ?',
      )
      .pluck(),
    mid: db.prepare<[], string>('SELECT mid FROM msg WHERE num > 0 ORDER BY num LIMIT 1 OFFSET 1234').pluck(),
    listId: db.prepare<[], string>('SELECT lid FROM list_id ORDER BY lid LIMIT 1').pluck(),
  };
}

export class StoreSamples {
  /** The read-only connection (for the store's other readers, e.g. SeriesReader). */
  readonly db: Db;
  private readonly st: ReturnType<typeof statements>;

  constructor(dataDir: string) {
    this.db = openDatabase(dataDir, { readonly: true });
    this.st = statements(this.db);
  }

  close(): void {
    this.db.close();
  }

  /** A consistent copy of the store into `dataDir` (SQLite's online backup: an ingest may be writing). */
  async copyTo(dataDir: string): Promise<void> {
    mkdirSync(dataDir, { recursive: true });
    await this.db.backup(storePath(dataDir));
  }

  /** Every inbox, in the order they were created. */
  inboxes(): InboxId[] {
    return this.st.inboxes.all();
  }

  inboxId(name: string): number | undefined {
    return this.st.inboxId.get(name);
  }

  messageCount(inboxId: number): number {
    return this.st.count.get(inboxId) ?? 0;
  }

  /** Article numbers of the inbox's messages, in order. */
  messageNums(inboxId: number): number[] {
    return this.st.nums.all(inboxId);
  }

  /** Primary Message-ID of every message, in arrival order (a reused Message-ID as often as it was used). */
  messageMids(inboxId: number): string[] {
    return this.st.mids.all(inboxId);
  }

  /** Subject of every message, in arrival order. */
  subjects(inboxId: number): string[] {
    return this.st.subjects.all(inboxId);
  }

  /** Arrival time (epoch seconds) of every message, in arrival order. */
  times(inboxId: number): number[] {
    return this.st.times.all(inboxId);
  }

  /** The first message of each thread of `min` to `max` messages, by thread id. */
  threadFirsts(inboxId: number, min: number, max: number): string[] {
    return this.st.threadFirsts.all(inboxId, min, max);
  }

  /** The thread whose size is closest to `size` among those of `min` to `max` messages, else the biggest. */
  threadNear(inboxId: number, size: number, min: number, max: number): { tid: number; n: number } | undefined {
    return this.st.threadNear.get(inboxId, min, max, size) ?? this.st.biggestThread.get(inboxId);
  }

  /** A thread's first message by date, and how many messages it has. */
  threadStart(inboxId: number, tid: number): { mid: string; n: number } | undefined {
    return this.st.threadStart.get(inboxId, tid);
  }

  /** The Message-IDs of a thread's last `limit` messages to arrive, newest first. */
  latestMids(inboxId: number, tid: number, limit: number): string[] {
    return this.st.latestMids.all(inboxId, tid, limit);
  }

  /** The thread of a Message-ID, held or a ghost. */
  tidOf(mid: string): number | undefined {
    return this.st.tidOf.get(mid);
  }

  /** A message with this Message-ID is held (not only a ghost). */
  holds(mid: string): boolean {
    return this.st.holds.get(mid) !== undefined;
  }

  /** Every series of the inbox, by id. */
  series(inboxId: number): SeriesSample[] {
    return this.st.series.all(inboxId);
  }

  /** Message-IDs naming the series of these threads, by series id, at most `limit`. */
  seriesOfThreads(inboxId: number, tids: number[], limit: number): string[] {
    return this.st.seriesOfThreads.all(inboxId, JSON.stringify(tids), limit);
  }

  seriesIds(inboxId: number): number[] {
    return this.st.seriesIds.all(inboxId);
  }

  /** Article numbers of the patches of every series (a partial reroll's borrowed patches left out). */
  patchNums(inboxId: number): number[] {
    return this.st.patchNums.all(inboxId);
  }

  /** Message-IDs of `limit` patches of series, scattered over the archive in a fixed order. */
  patchMids(inboxId: number, limit: number): string[] {
    return this.st.patchMids.all(inboxId, limit);
  }

  /** Version chains: how many, how many of more than one series, how many holding a version twice. */
  chains(inboxId: number): { chains: number; multi: number; twice: number } {
    const r = this.st.chains.get(inboxId);
    return { chains: r?.chains ?? 0, multi: r?.multi ?? 0, twice: r?.twice ?? 0 };
  }

  /** The inbox's own public-inbox epochs, in order. */
  epochs(inboxId: number): number[] {
    return this.st.epochs.all(inboxId);
  }

  /** Bytes of the pages of the table of messages' bytes (the blob table). */
  blobTableBytes(): number {
    return this.st.blobBytes.get() ?? 0;
  }

  /** The rendered bodies of an inbox's messages, as stored (html-codec.ts). */
  renderedBodies(inboxId: number): IterableIterator<Buffer> {
    return this.st.renderedBodies.iterate(inboxId);
  }

  /** Values from the middle of the archive for the searches of exact prefixes. */
  searchTerms(): SearchTerms {
    return {
      patchid: this.st.patchid.get(),
      pre: this.st.oid.get(0, 700),
      post: this.st.oid.get(1, 900),
      mid: this.st.mid.get(),
      listId: this.st.listId.get(),
    };
  }
}
