// Brings a store of any earlier release to the tables of schema.ts, one numbered step at a time,
// each in its own transaction, so an upgrade killed midway resumes at the step it was in.
import type { Db } from './open-database.js';
import {
  API_DDL,
  BODY_HTML_DDL,
  CHANGE_DDL,
  DDL,
  EPOCH_DDL,
  EPOCH_LOG_DDL,
  FTS_DDL,
  LIFECYCLE_DDL,
  MSG_BLOB_INDEX,
  SERIES_KEY_DDL,
} from './schema.js';
import { reindexFullText } from './full-text.js';
import { SeriesWriter } from './series-writer.js';

export interface Migration {
  /** user_version once this step is done: the previous step's plus one. */
  version: number;
  /** What changes, in a line: printed while upgrading. */
  what: string;
  up: (db: Db) => void;
}

/** The first release's store (user_version 2) is the oldest that can be upgraded. */
const OLDEST = 2;

/**
 * Every change to schema.ts after release 0.1, in order. A step leaves the store exactly as a new
 * store of its version (test/store/migrations.test.ts compares them), derived data included.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 3,
    what: 'a full-text index whose rows can be deleted, with words as written and their porter2 stems beside them',
    up(db) {
      db.exec('DROP TABLE fts');
      db.exec(FTS_DDL);
      reindexFullText(db);
    },
  },
  {
    version: 4,
    what: 'git epochs taken per inbox, messages found by their bytes, article numbers never given twice, series named by their first own patch',
    up(db) {
      db.exec(EPOCH_DDL);
      db.exec(MSG_BLOB_INDEX);
      db.exec(`INSERT INTO counter (key, val) VALUES ('article', (SELECT coalesce(max(num), 0) FROM msg))`);
      // a series' id becomes the number of its first own patch (negated first: the new ids may be old ones)
      db.exec(`CREATE TEMP TABLE renamed AS
                 SELECT s.id AS old, (SELECT min(p.num) FROM series_patch p WHERE p.series_id = s.id
                                      AND p.counter > 0 AND p.from_version IS NULL) AS new FROM series s;
               UPDATE series SET id = -(SELECT new FROM renamed WHERE old = series.id);
               UPDATE series SET id = -id;
               UPDATE series_patch SET series_id = -(SELECT new FROM renamed WHERE old = series_patch.series_id);
               UPDATE series_patch SET series_id = -series_id;
               UPDATE series_trailer SET series_id = (SELECT new FROM renamed WHERE old = series_trailer.series_id);
               DROP TABLE renamed;`);
      // chains are named by their lowest id, so they are worked out again (by today's series writer,
      // which reads and keeps version 10's keys: their table is made here, filled there)
      db.exec(SERIES_KEY_DDL);
      new SeriesWriter(db).relinkAll();
    },
  },
  {
    version: 5,
    what: 'a log of what each commit changed, so servers keep the cached pages it did not touch',
    up(db) {
      db.exec(CHANGE_DDL);
    },
  },
  {
    version: 6,
    what: 'message bodies rendered as HTML at ingest (filled by the next ingest; pages render them meanwhile)',
    up(db) {
      db.exec(BODY_HTML_DDL);
    },
  },
  {
    version: 7,
    what: 'the order in which epochs were taken, across inboxes, for replicas to number as the store did',
    up(db) {
      db.exec(EPOCH_LOG_DDL);
      // the order before this release is not known: each epoch taken so far is one stretch, inbox by inbox
      db.exec(
        'INSERT INTO epoch_log (inbox_id, epoch, tip) SELECT inbox_id, epoch, tip FROM epoch ORDER BY inbox_id, epoch',
      );
    },
  },
  {
    version: 8,
    what: "patches' explicit states and the commits they landed as; series assembled and chained again by target",
    up(db) {
      db.exec(LIFECYCLE_DDL);
      // series aimed at different targets are told apart since: every thread with a patch is
      // assembled again and every inbox's chains worked out again (version 10's keys: as above)
      db.exec(SERIES_KEY_DDL);
      const series = new SeriesWriter(db);
      series.rebuild(
        db.prepare<[], number>('SELECT DISTINCT tid FROM msg WHERE num > 0 AND b4_diff = 1').pluck().all(),
      );
      series.relinkDirty();
    },
  },
  {
    version: 9,
    what: "the Patchwork API's users, tokens, checks and state changes, and people found by address",
    up(db) {
      db.exec(API_DDL);
    },
  },
  {
    version: 10,
    what: "what series share with their possible versions, so that a new one's chain is found without reading every series",
    up(db) {
      db.exec(SERIES_KEY_DDL);
      new SeriesWriter(db).rekeyAll();
    },
  },
];

/** PRAGMA user_version of a store holding exactly schema.ts's tables. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? OLDEST;

export class StoreVersionError extends Error {}

/** The store's schema version (0 for a new, empty file). */
export function storeVersion(db: Db): number {
  // a pragma's value, not a statement's row: better-sqlite3 types it unknown
  return db.pragma('user_version', { simple: true }) as number;
}

/** Migrations a store at `version` still needs. */
export function pendingMigrations(version: number): Migration[] {
  return MIGRATIONS.filter((m) => m.version > version);
}

/**
 * Create the tables of a new store, or upgrade an old one; `log` hears each step. Throws
 * StoreVersionError for a store newer than this lorekeeper or older than any release it upgrades.
 */
export function migrate(db: Db, log: (line: string) => void = () => {}): void {
  const version = storeVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StoreVersionError(
      `the store's schema ${version} is newer than this lorekeeper's (${SCHEMA_VERSION}): upgrade lorekeeper`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  if (version === 0) {
    db.transaction(() => {
      if (storeVersion(db) !== 0) return;
      db.exec(DDL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    return;
  }
  if (version < OLDEST) {
    throw new StoreVersionError(
      `the store's schema ${version} predates release 0.1 and cannot be upgraded: ingest its mail again`,
    );
  }
  for (const m of pendingMigrations(version)) {
    db.transaction(() => {
      // another process (a second server worker, an ingest) may have taken this step meanwhile
      if (storeVersion(db) !== m.version - 1) return;
      log(`upgrading the store to schema ${m.version}: ${m.what}`);
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
