// What the Patchwork API lists, filtered and paged in SQL: series, patches (a series' own patches,
// id = article number), cover letters, people (id = the number of their first message) and events.
import type { Db } from './open-database.js';

/** Filters every list takes; undefined: not filtered. */
export interface ListFilter {
  /** Inbox ids (Patchwork's projects). */
  inboxIds?: number[];
  /** Sender addresses, as stored. */
  submitters?: string[];
  /** Each word must be in the name, any case. */
  words?: string[];
  /** Unix seconds: at or after, before. */
  since?: number;
  before?: number;
}

export interface PatchFilter extends ListFilter {
  seriesIds?: number[];
  /** git patch-id --stable, any case. */
  hashes?: string[];
  /** Message-IDs without brackets. */
  msgids?: string[];
}

export interface EventFilter {
  inboxIds?: number[];
  categories?: string[];
  seriesIds?: number[];
  patchNums?: number[];
  coverNums?: number[];
  since?: number;
  before?: number;
}

export type Order = { by: 'id' | 'date' | 'name'; desc: boolean };

export interface Page {
  limit: number;
  offset: number;
}

export interface ApiSeriesRow {
  id: number;
  /** Message-ID of its cover letter, else of its first patch: how its pages are named. */
  mid: string;
  inboxId: number;
  title: string;
  version: number;
  total: number;
  present: number;
  complete: boolean;
  coverNum: number | null;
  ds: number;
  authorAddr: string;
}

export interface ApiMessageRow {
  num: number;
  inboxId: number;
  mid: string;
  subject: string;
  ds: number;
  ts: number;
  fromAddr: string;
  fromNames: string;
  /** The series it is a patch or cover letter of (the newest version, for a shared cover letter). */
  seriesId: number;
  patchId: string | null;
}

export interface PersonRow {
  id: number;
  email: string;
  name: string;
}

export interface EventRow {
  id: number;
  category: string;
  inboxId: number;
  date: number;
  patch: number | null;
  series: number | null;
  cover: number | null;
  /** patch_check.id or state_change.id. */
  ref: number | null;
}

/** Event categories, their number in the event id (id = source * 8 + number), as the events API names them. */
export const EVENT_KIND = {
  'patch-created': 0,
  'cover-created': 1,
  'series-created': 2,
  'series-completed': 3,
  'check-created': 4,
  'patch-state-changed': 5,
} as const;

const json = (v: unknown[] | undefined) => (v === undefined ? null : JSON.stringify(v));
const IN = (column: string, param: string) =>
  `(@${param} IS NULL OR ${column} IN (SELECT value FROM json_each(@${param})))`;

/** LIKE patterns for the words of ?q=, escaped. */
const likes = (words: string[] | undefined) =>
  words === undefined ? null : JSON.stringify(words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
const ALL_WORDS = (column: string) =>
  `(@words IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(@words) w WHERE ${column} NOT LIKE w.value ESCAPE '\\'))`;

const orderSql = (o: Order, id: string, date: string, name: string) => {
  const col = o.by === 'id' ? id : o.by === 'date' ? date : name;
  const dir = o.desc ? 'DESC' : 'ASC';
  return `ORDER BY ${col} ${dir}, ${id} ${dir}`;
};

const SERIES_COLUMNS = `s.id, (SELECT mid FROM msg WHERE num = s.first_num) AS mid, s.inbox_id AS inboxId, s.title, s.version, s.total, s.present, s.complete,
  s.cover_num AS coverNum, s.ds, s.author_addr AS authorAddr`;
const SERIES_WHERE = `${IN('s.inbox_id', 'inboxes')} AND ${IN('s.author_addr', 'submitters')} AND ${ALL_WORDS('s.title')}
  AND (@since IS NULL OR s.ds >= @since) AND (@before IS NULL OR s.ds < @before)`;

/** A series' own patches (a partial reroll's borrowed ones are their first series'). */
const PATCHES = `FROM series_patch sp JOIN series s ON s.id = sp.series_id JOIN msg m ON m.num = sp.num
  WHERE sp.counter > 0 AND sp.from_version IS NULL`;
const MESSAGE_COLUMNS = `m.num, m.inbox_id AS inboxId, m.mid, m.subject, m.ds, m.ts, m.from_addr AS fromAddr,
  m.from_names AS fromNames`;
const PATCH_WHERE = `${IN('m.inbox_id', 'inboxes')} AND ${IN('m.from_addr', 'submitters')} AND ${ALL_WORDS('m.subject')}
  AND (@since IS NULL OR m.ds >= @since) AND (@before IS NULL OR m.ds < @before) AND ${IN('sp.series_id', 'series')}
  AND ${IN('lower(sp.patch_id)', 'hashes')}
  AND (@msgids IS NULL OR sp.num IN (SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id
                                     WHERE i.mid IN (SELECT value FROM json_each(@msgids))))`;

/** Cover letters, each with the newest version that has it. */
const COVERS = `FROM msg m JOIN series s ON s.id = (SELECT s2.id FROM series s2 WHERE s2.cover_num = m.num ORDER BY s2.version DESC, s2.id DESC LIMIT 1)
  WHERE m.num IN (SELECT cover_num FROM series WHERE cover_num IS NOT NULL)`;
const COVER_WHERE = `${IN('m.inbox_id', 'inboxes')} AND ${IN('m.from_addr', 'submitters')} AND ${ALL_WORDS('m.subject')}
  AND (@since IS NULL OR m.ds >= @since) AND (@before IS NULL OR m.ds < @before) AND ${IN('s.id', 'series')}
  AND (@msgids IS NULL OR m.num IN (SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id
                                    WHERE i.mid IN (SELECT value FROM json_each(@msgids))))`;

/** Every event, from the mail (arrival times) and from the writer's checks and state changes. */
const EVENTS = `
  SELECT sp.num * 8 AS id, 'patch-created' AS category, m.inbox_id AS inboxId, m.ts AS date, sp.num AS patch,
         sp.series_id AS series, NULL AS cover, NULL AS ref ${PATCHES}
  UNION ALL
  SELECT s.cover_num * 8 + 1, 'cover-created', s.inbox_id, m.ts, NULL, s.id, s.cover_num, NULL
    FROM series s JOIN msg m ON m.num = s.cover_num
   WHERE s.id = (SELECT s2.id FROM series s2 WHERE s2.cover_num = s.cover_num ORDER BY s2.id LIMIT 1)
  UNION ALL
  SELECT s.id * 8 + 2, 'series-created', s.inbox_id, m.ts, NULL, s.id, NULL, NULL FROM series s JOIN msg m ON m.num = s.first_num
  UNION ALL
  SELECT s.id * 8 + 3, 'series-completed', s.inbox_id,
         (SELECT max(pm.ts) FROM series_patch p JOIN msg pm ON pm.num = p.num WHERE p.series_id = s.id AND p.counter > 0),
         NULL, s.id, NULL, NULL FROM series s WHERE s.complete = 1
  UNION ALL
  SELECT c.id * 8 + 4, 'check-created', m.inbox_id, c.date, c.num, NULL, NULL, c.id FROM patch_check c JOIN msg m ON m.num = c.num
  UNION ALL
  SELECT x.id * 8 + 5, 'patch-state-changed', m.inbox_id, x.date, x.num, NULL, NULL, x.id
    FROM state_change x JOIN msg m ON m.num = x.num`;
const EVENT_WHERE = `${IN('inboxId', 'inboxes')} AND ${IN('category', 'categories')} AND ${IN('series', 'series')}
  AND ${IN('patch', 'patches')} AND ${IN('cover', 'covers')}
  AND (@since IS NULL OR date >= @since) AND (@before IS NULL OR date < @before)`;

type RawSeries = Omit<ApiSeriesRow, 'complete'> & { complete: number };

type Params = Record<string, string | number | null>;

function listParams(f: PatchFilter): Params {
  return {
    inboxes: json(f.inboxIds),
    submitters: json(f.submitters),
    words: likes(f.words),
    since: f.since ?? null,
    before: f.before ?? null,
    series: json(f.seriesIds),
    hashes: json(f.hashes?.map((h) => h.toLowerCase())),
    msgids: json(f.msgids),
  };
}

export class ApiReader {
  private readonly st: ReturnType<ApiReader['statements']>;

  /** Statements whose ORDER BY a request chooses, prepared once each. */
  private readonly ordered = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    this.st = this.statements();
  }

  private prepared<R>(sql: string) {
    let st = this.ordered.get(sql);
    if (!st) this.ordered.set(sql, (st = this.db.prepare(sql)));
    return st as unknown as { all(params: Params): R[] };
  }

  private statements() {
    const p = <R>(sql: string) => this.db.prepare<Params, R>(sql);
    return {
      seriesById: this.db.prepare<[number], RawSeries>(`SELECT ${SERIES_COLUMNS} FROM series s WHERE s.id = ?`),
      seriesCount: p<number>(`SELECT count(*) FROM series s WHERE ${SERIES_WHERE}`).pluck(),
      patchCount: p<number>(`SELECT count(*) ${PATCHES} AND ${PATCH_WHERE}`).pluck(),
      coverCount: p<number>(`SELECT count(*) ${COVERS} AND ${COVER_WHERE}`).pluck(),
      eventCount: p<number>(`SELECT count(*) FROM (${EVENTS}) WHERE ${EVENT_WHERE}`).pluck(),
      patchByNum: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId ${PATCHES} AND sp.num = ?`,
      ),
      coverByNum: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, s.id AS seriesId, NULL AS patchId ${COVERS} AND m.num = ?`,
      ),
      seriesPatches: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId
         FROM series_patch sp JOIN msg m ON m.num = sp.num WHERE sp.series_id = ? AND sp.counter > 0 ORDER BY sp.counter`,
      ),
      // the first message from each address: a person's id, name and address as first written
      people: this.db.prepare<[string], PersonRow>(
        `SELECT f.id, m.from_addr AS email, m.from_names AS name FROM
           (SELECT min(num) AS id FROM msg WHERE num > 0 AND from_addr IN (SELECT value FROM json_each(?)) GROUP BY from_addr) f
         JOIN msg m ON m.num = f.id`,
      ),
      personById: this.db.prepare<[number], PersonRow>(
        `SELECT m.num AS id, m.from_addr AS email, m.from_names AS name FROM msg m
         WHERE m.num = ? AND m.from_addr != '' AND m.num = (SELECT min(num) FROM msg WHERE num > 0 AND from_addr = m.from_addr)`,
      ),
      addressesLike: this.db
        .prepare<[string], string>(`SELECT DISTINCT from_addr FROM msg WHERE num > 0 AND lower(from_addr) = lower(?)`)
        .pluck(),
      peoplePage: p<PersonRow>(
        `SELECT f.id, m.from_addr AS email, m.from_names AS name FROM
           (SELECT min(num) AS id FROM msg WHERE num > 0 AND from_addr != '' GROUP BY from_addr) f JOIN msg m ON m.num = f.id
         WHERE ${ALL_WORDS("(m.from_names || ' ' || m.from_addr)")} ORDER BY f.id LIMIT @limit OFFSET @offset`,
      ),
      peopleCount: p<number>(
        `SELECT count(*) FROM (SELECT min(num) AS id FROM msg WHERE num > 0 AND from_addr != '' GROUP BY from_addr) f
         JOIN msg m ON m.num = f.id WHERE ${ALL_WORDS("(m.from_names || ' ' || m.from_addr)")}`,
      ).pluck(),
    };
  }

  series(id: number): ApiSeriesRow | undefined {
    const r = this.st.seriesById.get(id);
    return r && { ...r, complete: !!r.complete };
  }

  /** Series matching the filter, in the order asked, one page of them, and how many match. */
  seriesList(f: ListFilter, order: Order, page: Page): { rows: ApiSeriesRow[]; count: number } {
    const params = listParams(f);
    const rows = this.prepared<RawSeries>(
      `SELECT ${SERIES_COLUMNS} FROM series s WHERE ${SERIES_WHERE} ${orderSql(order, 's.id', 's.ds', 's.title')}
         LIMIT @limit OFFSET @offset`,
    ).all({ ...params, ...page });
    return { rows: rows.map((r) => ({ ...r, complete: !!r.complete })), count: this.st.seriesCount.get(params)! };
  }

  patch(num: number): ApiMessageRow | undefined {
    return this.st.patchByNum.get(num);
  }

  /** Patches matching the filter; without a page, every one of them (to be filtered further by state). */
  patchList(f: PatchFilter, order: Order, page?: Page): { rows: ApiMessageRow[]; count: number } {
    const params = listParams(f);
    const rows = this.prepared<ApiMessageRow>(
      `SELECT ${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId ${PATCHES} AND ${PATCH_WHERE}
         ${orderSql(order, 'sp.num', 'm.ds', 'm.subject')} ${page ? 'LIMIT @limit OFFSET @offset' : ''}`,
    ).all({ ...params, ...(page ?? {}) });
    return { rows, count: page ? this.st.patchCount.get(params)! : rows.length };
  }

  /** A series' patches (borrowed ones of a partial reroll too), in order. */
  seriesPatches(seriesId: number): ApiMessageRow[] {
    return this.st.seriesPatches.all(seriesId);
  }

  cover(num: number): ApiMessageRow | undefined {
    return this.st.coverByNum.get(num);
  }

  coverList(f: PatchFilter, order: Order, page: Page): { rows: ApiMessageRow[]; count: number } {
    const params = listParams(f);
    const rows = this.prepared<ApiMessageRow>(
      `SELECT ${MESSAGE_COLUMNS}, s.id AS seriesId, NULL AS patchId ${COVERS} AND ${COVER_WHERE}
         ${orderSql(order, 'm.num', 'm.ds', 'm.subject')} LIMIT @limit OFFSET @offset`,
    ).all({ ...params, ...page });
    return { rows, count: this.st.coverCount.get(params)! };
  }

  /** People by address: id (their first message's number), address and name as first written. */
  people(addresses: string[]): Map<string, PersonRow> {
    const out = new Map<string, PersonRow>();
    if (!addresses.length) return out;
    for (const p of this.st.people.all(JSON.stringify([...new Set(addresses)]))) out.set(p.email, p);
    return out;
  }

  person(id: number): PersonRow | undefined {
    return this.st.personById.get(id);
  }

  /** The stored forms of an address, any case (Patchwork filters people by email case-insensitively). */
  addresses(email: string): string[] {
    return this.st.addressesLike.all(email);
  }

  peopleList(words: string[] | undefined, page: Page): { rows: PersonRow[]; count: number } {
    const params = { words: likes(words) };
    return { rows: this.st.peoplePage.all({ ...params, ...page }), count: this.st.peopleCount.get(params)! };
  }

  eventList(f: EventFilter, desc: boolean, page: Page): { rows: EventRow[]; count: number } {
    const params: Params = {
      inboxes: json(f.inboxIds),
      categories: json(f.categories),
      series: json(f.seriesIds),
      patches: json(f.patchNums),
      covers: json(f.coverNums),
      since: f.since ?? null,
      before: f.before ?? null,
    };
    const dir = desc ? 'DESC' : 'ASC';
    const rows = this.prepared<EventRow>(
      `SELECT * FROM (${EVENTS}) WHERE ${EVENT_WHERE} ORDER BY date ${dir}, id ${dir} LIMIT @limit OFFSET @offset`,
    ).all({ ...params, ...page });
    return { rows, count: this.st.eventCount.get(params)! };
  }
}
