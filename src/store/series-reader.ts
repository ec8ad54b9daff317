// Reading series: the series of a message, a series with its patches and trailers, its version
// chain, an inbox's series newest first (all, or those in one state), and where they stand.
import type { Db } from './open-database.js';
import type { Scope } from './reader.js';
import { checksOf, type CheckRow } from './patch-checks.js';
import { patchStates, seriesState, type PatchState, type PatchStateName, type SeriesState } from './patch-states.js';

export interface SeriesRow {
  id: number;
  inboxId: number;
  tid: number;
  version: number;
  total: number;
  coverNum: number | null;
  firstNum: number;
  /** Message-ID of the cover letter, else of the first patch: how URLs name a series. */
  mid: string;
  title: string;
  author: string;
  authorAddr: string;
  ds: number;
  ts: number;
  present: number;
  complete: boolean;
  rfc: boolean;
  resend: boolean;
  changeId: string | null;
  baseCommit: string | null;
  reviews: number;
  chain: number;
}

export interface SeriesPatchRow {
  counter: number;
  num: number;
  mid: string;
  subject: string;
  patchId: string | null;
  /** A partial reroll took this patch from that version. */
  fromVersion: number | null;
}

export interface SeriesTrailerRow {
  /** 0: given on the cover letter, so for every patch. */
  counter: number;
  name: string;
  value: string;
  fromNum: number;
  fromMid: string;
  matched: boolean;
}

const SERIES_COLUMNS = `s.id, s.inbox_id AS inboxId, s.tid, s.version, s.total, s.cover_num AS coverNum, s.first_num AS firstNum,
  m.mid, s.title, s.author, s.author_addr AS authorAddr, s.ds, s.ts, s.present, s.complete, s.rfc, s.resend,
  s.change_id AS changeId, s.base_commit AS baseCommit, s.reviews, s.chain`;

type Raw = Omit<SeriesRow, 'complete' | 'rfc' | 'resend'> & { complete: number; rfc: number; resend: number };
const toSeries = (r: Raw): SeriesRow => ({ ...r, complete: !!r.complete, rfc: !!r.rfc, resend: !!r.resend });

type TrailerRaw = Omit<SeriesTrailerRow, 'matched'> & { matched: number };

function statements(db: Db) {
  return {
    byId: db.prepare<[number], Raw>(
      `SELECT ${SERIES_COLUMNS} FROM series s JOIN msg m ON m.num = s.first_num WHERE s.id = ?`,
    ),
    byMember: db.prepare<[number], Raw>(
      `SELECT ${SERIES_COLUMNS} FROM series_patch sp JOIN series s ON s.id = sp.series_id JOIN msg m ON m.num = s.first_num
       WHERE sp.num = ? ORDER BY s.version DESC`,
    ),
    byThread: db.prepare<[number, number], Raw>(
      `SELECT ${SERIES_COLUMNS} FROM series s JOIN msg m ON m.num = s.first_num
       WHERE s.tid = ? AND s.inbox_id = ? ORDER BY s.version DESC`,
    ),
    chain: db.prepare<[number], Raw>(
      `SELECT ${SERIES_COLUMNS} FROM series s JOIN msg m ON m.num = s.first_num WHERE s.chain = ? ORDER BY s.version, s.ds`,
    ),
    patches: db.prepare<[number], SeriesPatchRow>(
      `SELECT sp.counter, sp.num, m.mid, m.subject, sp.patch_id AS patchId, sp.from_version AS fromVersion
       FROM series_patch sp JOIN msg m ON m.num = sp.num WHERE sp.series_id = ? AND sp.counter > 0 ORDER BY sp.counter`,
    ),
    trailers: db.prepare<[number], TrailerRaw>(
      `SELECT st.counter, st.name, st.value, st.from_num AS fromNum, m.mid AS fromMid, st.matched
       FROM series_trailer st JOIN msg m ON m.num = st.from_num WHERE st.series_id = ? ORDER BY st.counter, st.from_num`,
    ),
    list: db.prepare<{ scope: number | null; before: number; limit: number }, Raw>(
      `SELECT ${SERIES_COLUMNS} FROM series s JOIN msg m ON m.num = s.first_num
       WHERE (@scope IS NULL OR s.inbox_id = @scope) AND s.ts <= @before ORDER BY s.ts DESC, s.id DESC LIMIT @limit`,
    ),
  };
}

/** How many series a search by state reads at most for one page: a rare state is paged on, not searched to the end. */
const STATE_SCAN = 500;

export class SeriesReader {
  private readonly st: ReturnType<typeof statements>;
  private readonly db: Db;

  constructor(db: Db) {
    this.st = statements(db);
    this.db = db;
  }

  /** Where these patches stand (store/patch-states.ts). */
  patchStates(nums: number[]): Map<number, PatchState> {
    return patchStates(this.db, nums);
  }

  /** Where these series stand, from their patches. */
  seriesStates(ids: number[]): Map<number, SeriesState> {
    return seriesState(this.db, ids);
  }

  /**
   * Series in `state` with activity at or before `before`, newest first, up to `limit`, looking at
   * no more than STATE_SCAN series; `next` says where to look on from when it stopped looking
   * before `limit` were found and older series remain.
   */
  listInState(
    scope: Scope,
    state: PatchStateName,
    before: number,
    limit: number,
  ): { rows: SeriesRow[]; next?: number } {
    const rows: SeriesRow[] = [];
    let from = before;
    for (let read = 0; read < STATE_SCAN;) {
      const batch = this.list(scope, from, 200);
      const states = this.seriesStates(batch.map((s) => s.id));
      for (const s of batch) {
        if (states.get(s.id)?.state !== state) continue;
        rows.push(s);
        if (rows.length === limit) return { rows };
      }
      if (batch.length < 200) return { rows };
      read += batch.length;
      from = batch[batch.length - 1].ts - 1;
    }
    return { rows, next: from };
  }

  /** The CI checks posted on these patches (store/patch-checks.ts), by patch. */
  checks(nums: number[]): Map<number, CheckRow[]> {
    return checksOf(this.db, nums);
  }

  byId(id: number): SeriesRow | undefined {
    const r = this.st.byId.get(id);
    return r && toSeries(r);
  }

  /**
   * The series a message belongs to: the one it is a patch or cover letter of (newest version),
   * else, for a reply, the newest series of its thread.
   */
  forMessage(num: number, tid: number, inboxId: number): SeriesRow | undefined {
    const r = this.st.byMember.get(num) ?? this.st.byThread.get(tid, inboxId);
    return r && toSeries(r);
  }

  /** Every version in the series' chain, oldest first. */
  chain(s: SeriesRow): SeriesRow[] {
    return this.st.chain.all(s.chain).map(toSeries);
  }

  patches(seriesId: number): SeriesPatchRow[] {
    return this.st.patches.all(seriesId);
  }

  trailers(seriesId: number): SeriesTrailerRow[] {
    return this.st.trailers.all(seriesId).map((t) => ({ ...t, matched: !!t.matched }));
  }

  /** Series with activity at or before `before`, newest first. */
  list(scope: Scope, before: number, limit: number): SeriesRow[] {
    return this.st.list.all({ scope: scope === 'all' ? null : scope.inboxId, before, limit }).map(toSeries);
  }
}
