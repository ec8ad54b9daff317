// The state a writer holds that is not in the mail, as replicas take it over: each inbox's address,
// description and upstream, the administrator's series links and unlinks, maintainers' patch states
// and the commits patches landed as. Read as one snapshot (what the writer publishes in its
// administrative repository) and applied as one.
import type { Db, Statement } from './open-database.js';
import { SeriesWriter } from './series-writer.js';
import { ChangeLog } from './change-log.js';
import { notePatchChanges } from './patch-states.js';

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

/**
 * A patch named by its article number on the writer and its Message-ID: a replica of the whole
 * writer numbers alike, one of a single inbox finds the message by its id.
 */
interface PatchRef {
  num: number;
  mid: string;
}

export interface PatchStateRecord extends PatchRef {
  state: string;
  setBy: string;
  setAt: number;
}

export interface AppliedRecord extends PatchRef {
  repo: string;
  branch: string;
  commit: string;
  how: string;
}

/** A check posted through the Patchwork API (ids are the writer's, equal on replicas). */
export interface CheckRecord extends PatchRef {
  id: number;
  userId: number;
  state: string;
  context: string;
  targetUrl: string | null;
  description: string | null;
  date: number;
}

/** A state a maintainer gave a patch through the Patchwork API (its events list them). */
export interface StateChangeRecord extends PatchRef {
  id: number;
  previous: string;
  current: string;
  userId: number;
  date: number;
}

export interface AdminState {
  /** In the order they were made (a replica makes them in it, so that they are numbered alike). */
  inboxes: InboxFacts[];
  seriesLinks: SeriesLinkRow[];
  patchStates: PatchStateRecord[];
  applied: AppliedRecord[];
  /** The Patchwork API's users (names only: their tokens stay on the writer), checks and state changes. */
  apiUsers: { id: number; name: string }[];
  checks: CheckRecord[];
  stateChanges: StateChangeRecord[];
}

export function readAdminState(db: Db): AdminState {
  return {
    inboxes: db
      .prepare<[], InboxFacts>(
        `SELECT i.name, i.address, i.description, u.url AS upstream FROM inbox i
         LEFT JOIN upstream u ON u.inbox_id = i.id ORDER BY i.id`,
      )
      .all(),
    seriesLinks: db
      .prepare<[], SeriesLinkRow>('SELECT a_mid AS aMid, b_mid AS bMid, linked FROM series_link ORDER BY a_mid, b_mid')
      .all(),
    patchStates: db
      .prepare<[], PatchStateRecord>(
        `SELECT p.num, m.mid, p.state, p.set_by AS setBy, p.set_at AS setAt FROM patch_state p
         JOIN msg m ON m.num = p.num ORDER BY p.num`,
      )
      .all(),
    applied: db
      .prepare<[], AppliedRecord>(
        `SELECT a.num, m.mid, a.repo, a.branch, a.commit_id AS "commit", a.how FROM applied a
         JOIN msg m ON m.num = a.num ORDER BY a.num, a.repo, a.branch`,
      )
      .all(),
    apiUsers: db.prepare<[], AdminState['apiUsers'][number]>('SELECT id, name FROM api_user ORDER BY id').all(),
    checks: db
      .prepare<[], CheckRecord>(
        `SELECT c.id, c.num, m.mid, c.user_id AS userId, c.state, c.context, c.target_url AS targetUrl, c.description,
                c.date FROM patch_check c JOIN msg m ON m.num = c.num ORDER BY c.id`,
      )
      .all(),
    stateChanges: db
      .prepare<[], StateChangeRecord>(
        `SELECT s.id, s.num, m.mid, s.previous, s.current, s.user_id AS userId, s.date FROM state_change s
         JOIN msg m ON m.num = s.num ORDER BY s.id`,
      )
      .all(),
  };
}

/** Make the store's state not in the mail the writer's (inboxes are made by the ingest that follows it). */
export function applyAdminState(db: Db, state: AdminState): void {
  applySeriesLinks(db, state.seriesLinks);
  applyLifecycle(db, state);
}

/**
 * Make the store's explicit patch states and landing commits the writer's, changing only the rows
 * that differ (so servers drop only the pages showing them). A patch the store does not hold is
 * left out. True when something changed.
 */
export function applyLifecycle(
  db: Db,
  state: Pick<AdminState, 'patchStates' | 'applied' | 'apiUsers' | 'checks' | 'stateChanges'>,
): boolean {
  const byNum = db.prepare<[number, string], number>('SELECT num FROM msg WHERE num = ? AND mid = ?').pluck();
  const byMid = db
    .prepare<[string], number | null>(
      `SELECT min(m.num) FROM msgid i JOIN id2num x ON x.id = i.id JOIN msg m ON m.num = x.num AND m.mid = i.mid
       WHERE i.mid = ?`,
    )
    .pluck();
  const local = (r: PatchRef) => byNum.get(r.num, r.mid) ?? byMid.get(r.mid) ?? undefined;
  const delState = db.prepare('DELETE FROM patch_state WHERE num = ?');
  const delApplied = db.prepare('DELETE FROM applied WHERE num = ? AND repo = ? AND branch = ?');
  const delById = (table: string) => db.prepare(`DELETE FROM ${table} WHERE id = ?`);
  const [delUser, delCheck, delChange] = ['api_user', 'patch_check', 'state_change'].map(delById);
  // each table's rows as the writer has them (local numbers) and as the store has them; a row's
  // first columns are its key, its patch (whose pages show it) at `patch`
  const tables: {
    rows: unknown[][];
    have: Statement<[], unknown[]>;
    del: (r: unknown[]) => unknown;
    put: { run(...r: unknown[]): unknown };
    patch?: number;
  }[] = [
    {
      rows: state.apiUsers.map((u) => [u.id, u.name]),
      have: db.prepare<[], unknown[]>('SELECT id, name FROM api_user').raw(),
      del: (r: unknown[]) => delUser.run(r[0]),
      put: db.prepare('INSERT OR REPLACE INTO api_user (id, name) VALUES (?, ?)'),
    },
    {
      rows: state.checks.map((c) => [c.id, local(c), c.userId, c.state, c.context, c.targetUrl, c.description, c.date]),
      have: db
        .prepare<[], unknown[]>(
          'SELECT id, num, user_id, state, context, target_url, description, date FROM patch_check',
        )
        .raw(),
      del: (r: unknown[]) => delCheck.run(r[0]),
      put: db.prepare(
        `INSERT OR REPLACE INTO patch_check (id, num, user_id, state, context, target_url, description, date)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      patch: 1,
    },
    {
      rows: state.stateChanges.map((c) => [c.id, local(c), c.previous, c.current, c.userId, c.date]),
      have: db.prepare<[], unknown[]>('SELECT id, num, previous, current, user_id, date FROM state_change').raw(),
      del: (r: unknown[]) => delChange.run(r[0]),
      put: db.prepare(
        'INSERT OR REPLACE INTO state_change (id, num, previous, current, user_id, date) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      patch: 1,
    },
    {
      rows: state.patchStates.map((r) => [local(r), r.state, r.setBy, r.setAt]),
      have: db.prepare<[], unknown[]>('SELECT num, state, set_by, set_at FROM patch_state').raw(),
      del: (r: unknown[]) => delState.run(r[0]),
      put: db.prepare('INSERT OR REPLACE INTO patch_state (num, state, set_by, set_at) VALUES (?, ?, ?, ?)'),
      patch: 0,
    },
    {
      rows: state.applied.map((r) => [local(r), r.repo, r.branch, r.commit, r.how]),
      have: db.prepare<[], unknown[]>('SELECT num, repo, branch, commit_id, how FROM applied').raw(),
      del: (r: unknown[]) => delApplied.run(r[0], r[1], r[2]),
      put: db.prepare('INSERT OR REPLACE INTO applied (num, repo, branch, commit_id, how) VALUES (?, ?, ?, ?, ?)'),
      patch: 0,
    },
  ];
  const changes = new ChangeLog();
  const touched = new Set<number>();
  db.transaction(() => {
    for (const t of tables) {
      const key = (r: unknown[]) => JSON.stringify(r);
      const want = new Map(
        t.rows.filter((r) => t.patch === undefined || r[t.patch] !== undefined).map((r) => [key(r), r]),
      );
      const have = new Map(t.have.all().map((r) => [key(r), r]));
      for (const [k, r] of have) {
        if (want.has(k)) continue;
        t.del(r);
        if (t.patch !== undefined) touched.add(Number(r[t.patch]));
      }
      for (const [k, r] of want) {
        if (have.has(k)) continue;
        t.put.run(...r);
        if (t.patch !== undefined) touched.add(Number(r[t.patch]));
      }
    }
    notePatchChanges(db, changes, touched);
    changes.flush(db);
  })();
  return touched.size > 0;
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
    series.relinkAll();
  })();
  return true;
}
