// What the Patchwork API lists, filtered and paged in SQL: series, patches (a series' own patches,
// id = article number), cover letters, people (id = the number of their first message) and events.
import type { Db, Statement } from './open-database.js';

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

/** LIKE patterns for the words of ?q=, escaped. */
const likes = (words: string[]) => JSON.stringify(words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));

const orderSql = (o: Order, id: string, date: string, name: string) => {
  const col = o.by === 'id' ? id : o.by === 'date' ? date : name;
  const dir = o.desc ? 'DESC' : 'ASC';
  return `ORDER BY ${col} ${dir}, ${id} ${dir}`;
};

type Params = Record<string, string | number | null>;

/** Which column each filter reads, in one list's query. */
interface Columns {
  inbox: string;
  date: string;
  submitter?: string;
  name?: string;
  series?: string;
  hash?: string;
  /** The article number Message-IDs are looked up for. */
  num?: string;
  category?: string;
  patch?: string;
  cover?: string;
}

type AnyFilter = PatchFilter & Omit<EventFilter, 'inboxIds' | 'seriesIds' | 'since' | 'before'>;

/**
 * The conditions of the filters given, and their parameters: only those, so that SQLite's planner
 * can use the indexes of the ones there are (a Message-ID leads to its patch, not a scan).
 */
function where(f: AnyFilter, c: Columns): { sql: string; params: Params } {
  const parts: string[] = [];
  const params: Params = {};
  const list = (column: string | undefined, key: string, values: (string | number)[] | undefined) => {
    if (values === undefined || column === undefined) return;
    // one value (the common case) as an equality, which an index can walk in order
    if (values.length === 1) parts.push(`${column} = @${key}`);
    else parts.push(`${column} IN (SELECT value FROM json_each(@${key}))`);
    params[key] = values.length === 1 ? values[0] : JSON.stringify(values);
  };
  list(c.inbox, 'inboxes', f.inboxIds);
  list(c.submitter, 'submitters', f.submitters);
  list(c.series, 'series', f.seriesIds);
  list(
    c.hash,
    'hashes',
    f.hashes?.map((h) => h.toLowerCase()),
  );
  list(c.category, 'categories', f.categories);
  list(c.patch, 'patches', f.patchNums);
  list(c.cover, 'covers', f.coverNums);
  if (f.words && c.name) {
    parts.push(`NOT EXISTS (SELECT 1 FROM json_each(@words) w WHERE ${c.name} NOT LIKE w.value ESCAPE '\\')`);
    params.words = likes(f.words);
  }
  if (f.since !== undefined) {
    parts.push(`${c.date} >= @since`);
    params.since = f.since;
  }
  if (f.before !== undefined) {
    parts.push(`${c.date} < @before`);
    params.before = f.before;
  }
  if (f.msgids && c.num) {
    parts.push(`${c.num} IN (SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id
                             WHERE i.mid IN (SELECT value FROM json_each(@msgids)))`);
    params.msgids = JSON.stringify(f.msgids);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

const SERIES_COLUMNS = `s.id, (SELECT mid FROM msg WHERE num = s.first_num) AS mid, s.inbox_id AS inboxId, s.title, s.version,
  s.total, s.present, s.complete, s.cover_num AS coverNum, s.ds, s.author_addr AS authorAddr`;
const SERIES_FILTERS: Columns = { inbox: 's.inbox_id', submitter: 's.author_addr', name: 's.title', date: 's.ds' };

/** A series' own patches (a partial reroll's borrowed ones are their first series'). */
const PATCHES = `FROM series_patch sp JOIN msg m ON m.num = sp.num WHERE sp.counter > 0 AND sp.from_version IS NULL`;
const MESSAGE_COLUMNS = `m.num, m.inbox_id AS inboxId, m.mid, m.subject, m.ds, m.ts, m.from_addr AS fromAddr,
  m.from_names AS fromNames`;
const PATCH_FILTERS: Columns = {
  inbox: 'm.inbox_id',
  submitter: 'm.from_addr',
  name: 'm.subject',
  date: 'm.ds',
  series: 'sp.series_id',
  hash: 'lower(sp.patch_id)',
  num: 'sp.num',
};

/** Cover letters, each with the newest version that has it. */
const COVERS = `FROM series s JOIN msg m ON m.num = s.cover_num
  WHERE s.id = (SELECT s2.id FROM series s2 WHERE s2.cover_num = s.cover_num ORDER BY s2.version DESC, s2.id DESC LIMIT 1)`;
const COVER_FILTERS: Columns = { ...PATCH_FILTERS, series: 's.id', hash: undefined, num: 'm.num' };

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
const EVENT_FILTERS: Columns = {
  inbox: 'inboxId',
  date: 'date',
  category: 'category',
  series: 'series',
  patch: 'patch',
  cover: 'cover',
};

/** Prepared statements of request-chosen shapes kept at once: more than the few clients really use (b4, git-pw). */
const CHOSEN_STATEMENTS = 64;

type RawSeries = Omit<ApiSeriesRow, 'complete'> & { complete: number };

export class ApiReader {
  private readonly st: ReturnType<ApiReader['statements']>;

  /**
   * Statements whose filters and order a request chooses, the most recently used last. Some 30,000
   * shapes exist, each some 13 KiB of a worker's memory (SQLite's program and the JS object): kept
   * all, a client walking through them would add 400 MiB to every worker.
   */
  private readonly chosen = new Map<string, Statement<[Params]>>();

  constructor(private readonly db: Db) {
    this.st = this.statements();
  }

  private prepared<R>(sql: string): Statement<[Params], R> {
    let st = this.chosen.get(sql);
    if (st) this.chosen.delete(sql);
    else st = this.db.prepare<Params>(sql);
    this.chosen.set(sql, st);
    if (this.chosen.size > CHOSEN_STATEMENTS) this.chosen.delete(this.chosen.keys().next().value!);
    // one map holds the statements of every row type: each SQL text is asked for with its own
    return st as Statement<[Params], R>;
  }

  /** One page of a filtered list, in the order asked, and how many there are in all. */
  private page<R>(columns: string, from: string, w: { sql: string; params: Params }, order: string, page?: Page) {
    const limit = page ? ' LIMIT @limit OFFSET @offset' : '';
    const rows = this.prepared<R>(`SELECT ${columns} ${from}${w.sql} ${order}${limit}`).all({
      ...w.params,
      ...(page ?? {}),
    });
    // counted without the columns: some are subqueries, which a count need not run
    const count = page
      ? (this.prepared<{ n: number }>(`SELECT count(*) AS n ${from}${w.sql}`).get(w.params)?.n ?? 0)
      : rows.length;
    return { rows, count };
  }

  private statements() {
    return {
      seriesById: this.db.prepare<[number], RawSeries>(`SELECT ${SERIES_COLUMNS} FROM series s WHERE s.id = ?`),
      patchByNum: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId ${PATCHES} AND sp.num = ?`,
      ),
      coverByNum: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, s.id AS seriesId, NULL AS patchId ${COVERS} AND s.cover_num = ?`,
      ),
      seriesPatches: this.db.prepare<[number], ApiMessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId
         FROM series_patch sp JOIN msg m ON m.num = sp.num WHERE sp.series_id = ? AND sp.counter > 0 ORDER BY sp.counter`,
      ),
      // the first message from each address: a person's id, name and address as first written
      people: this.db.prepare<[string], PersonRow>(
        `SELECT f.id, m.from_addr AS email, m.from_names AS name FROM
           (SELECT (SELECT min(num) FROM msg WHERE from_addr = a.value AND num > 0) AS id FROM json_each(?) a) f
         JOIN msg m ON m.num = f.id`,
      ),
      personById: this.db.prepare<[number], PersonRow>(
        `SELECT m.num AS id, m.from_addr AS email, m.from_names AS name FROM msg m
         WHERE m.num = ? AND m.from_addr != '' AND m.num = (SELECT min(num) FROM msg WHERE num > 0 AND from_addr = m.from_addr)`,
      ),
      addressesLike: this.db
        .prepare<[string], string>(`SELECT DISTINCT from_addr FROM msg WHERE num > 0 AND lower(from_addr) = lower(?)`)
        .pluck(),
    };
  }

  series(id: number): ApiSeriesRow | undefined {
    const r = this.st.seriesById.get(id);
    return r && { ...r, complete: !!r.complete };
  }

  /** Series matching the filter, in the order asked, one page of them, and how many match. */
  seriesList(f: ListFilter, order: Order, page: Page): { rows: ApiSeriesRow[]; count: number } {
    const { rows, count } = this.page<RawSeries>(
      SERIES_COLUMNS,
      'FROM series s WHERE 1',
      where(f, SERIES_FILTERS),
      orderSql(order, 's.id', 's.ds', 's.title'),
      page,
    );
    return { rows: rows.map((r) => ({ ...r, complete: !!r.complete })), count };
  }

  patch(num: number): ApiMessageRow | undefined {
    return this.st.patchByNum.get(num);
  }

  /** Patches matching the filter; without a page, every one of them (to be filtered further by state). */
  patchList(f: PatchFilter, order: Order, page?: Page): { rows: ApiMessageRow[]; count: number } {
    return this.page<ApiMessageRow>(
      `${MESSAGE_COLUMNS}, sp.series_id AS seriesId, sp.patch_id AS patchId`,
      PATCHES,
      where(f, PATCH_FILTERS),
      orderSql(order, 'sp.num', 'm.ds', 'm.subject'),
      page,
    );
  }

  /** A series' patches (borrowed ones of a partial reroll too), in order. */
  seriesPatches(seriesId: number): ApiMessageRow[] {
    return this.st.seriesPatches.all(seriesId);
  }

  cover(num: number): ApiMessageRow | undefined {
    return this.st.coverByNum.get(num);
  }

  coverList(f: PatchFilter, order: Order, page: Page): { rows: ApiMessageRow[]; count: number } {
    return this.page<ApiMessageRow>(
      `${MESSAGE_COLUMNS}, s.id AS seriesId, NULL AS patchId`,
      COVERS,
      where(f, COVER_FILTERS),
      orderSql(order, 'm.num', 'm.ds', 'm.subject'),
      page,
    );
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
    return this.page<PersonRow>(
      'f.id, m.from_addr AS email, m.from_names AS name',
      `FROM (SELECT min(num) AS id FROM msg WHERE num > 0 AND from_addr != '' GROUP BY from_addr) f
       JOIN msg m ON m.num = f.id WHERE 1`,
      where({ words }, { inbox: 'm.inbox_id', date: 'm.ds', name: "(m.from_names || ' ' || m.from_addr)" }),
      'ORDER BY f.id',
      page,
    );
  }

  eventList(f: EventFilter, desc: boolean, page: Page): { rows: EventRow[]; count: number } {
    const dir = desc ? 'DESC' : 'ASC';
    return this.page<EventRow>(
      '*',
      `FROM (${EVENTS}) WHERE 1`,
      where(f, EVENT_FILTERS),
      `ORDER BY date ${dir}, id ${dir}`,
      page,
    );
  }
}
