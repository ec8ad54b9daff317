// The state a writer holds that is not in the mail, as replicas take it over: each inbox's address,
// description and upstream, and the administrator's series links and unlinks. Read as one snapshot
// (what the writer publishes in its administrative repository) and applied as one.
import type { Db } from './open-database.js';
import { SeriesWriter } from './series-writer.js';

export interface InboxFacts {
  name: string;
  address: string | null;
  description: string | null;
  /** The public-inbox URL the writer mirrors the inbox from; null for mail that arrives at the writer. */
  upstream: string | null;
}

export interface SeriesLinkRow {
  aMid: string;
  bMid: string;
  linked: number;
}

export interface AdminState {
  /** In the order they were made (a replica makes them in it, so that they are numbered alike). */
  inboxes: InboxFacts[];
  seriesLinks: SeriesLinkRow[];
}

export function readAdminState(db: Db): AdminState {
  return {
    inboxes: db
      .prepare(
        `SELECT i.name, i.address, i.description, u.url AS upstream FROM inbox i
         LEFT JOIN upstream u ON u.inbox_id = i.id ORDER BY i.id`,
      )
      .all() as InboxFacts[],
    seriesLinks: db
      .prepare('SELECT a_mid AS aMid, b_mid AS bMid, linked FROM series_link ORDER BY a_mid, b_mid')
      .all() as SeriesLinkRow[],
  };
}

/**
 * Make the store's series links the writer's. When they change, every inbox's version chains are
 * worked out again, as `lorekeeper series link` does for the inboxes it names. True when they changed.
 */
export function applySeriesLinks(db: Db, links: SeriesLinkRow[]): boolean {
  const key = (rows: SeriesLinkRow[]) => JSON.stringify(rows.map((r) => [r.aMid, r.bMid, r.linked]).sort());
  if (key(readAdminState(db).seriesLinks) === key(links)) return false;
  const series = new SeriesWriter(db);
  db.transaction(() => {
    db.exec('DELETE FROM series_link');
    const insert = db.prepare('INSERT INTO series_link (a_mid, b_mid, linked) VALUES (?, ?, ?)');
    for (const l of links) insert.run(l.aMid, l.bMid, l.linked);
    db.exec('INSERT OR IGNORE INTO series_dirty (inbox_id) SELECT DISTINCT inbox_id FROM series');
    series.relinkDirty();
  })();
  return true;
}
