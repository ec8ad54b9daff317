// CI results on patches (Patchwork's checks) and the state changes maintainers made through the API:
// written by the API on the writer with the change log (pages showing them are dropped from
// caches), read by pages and the API, and copied to replicas from the writer's admin.git.
import type { Db } from './open-database.js';
import { ChangeLog } from './change-log.js';
import { notePatchChanges } from './patch-states.js';

/** Patchwork's check states, in the order a combined state looks for them (fail wins). */
export const CHECK_STATES = ['fail', 'warning', 'pending', 'success'] as const;
export type CheckState = (typeof CHECK_STATES)[number];
export const isCheckState = (s: string): s is CheckState => (CHECK_STATES as readonly string[]).includes(s);

export interface CheckRow {
  id: number;
  num: number;
  userId: number;
  user: string;
  state: CheckState;
  context: string;
  targetUrl: string | null;
  description: string | null;
  date: number;
}

export type NewCheck = Omit<CheckRow, 'id' | 'user'>;

export interface StateChangeRow {
  id: number;
  num: number;
  previous: string;
  current: string;
  userId: number;
  user: string;
  date: number;
}

/**
 * The checks that count, as Patchwork counts them: the latest of each user's context (a re-run
 * replaces the earlier result), in id order.
 */
export function latestChecks(checks: CheckRow[]): CheckRow[] {
  const latest = new Map<string, CheckRow>();
  for (const c of checks) {
    const key = `${c.userId}\0${c.context}`;
    const had = latest.get(key);
    if (!had || had.date < c.date || (had.date === c.date && had.id < c.id)) latest.set(key, c);
  }
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

/**
 * Patchwork's combined state: fail if a counted check failed, else warning, else pending (also
 * when there are none), else success.
 */
export function combinedCheck(checks: CheckRow[]): CheckState {
  const states = new Set(latestChecks(checks).map((c) => c.state));
  if (!states.size) return 'pending';
  return CHECK_STATES.find((s) => states.has(s))!;
}

const CHECK_COLUMNS = `c.id, c.num, c.user_id AS userId, u.name AS user, c.state, c.context, c.target_url AS targetUrl,
  c.description, c.date FROM patch_check c JOIN api_user u ON u.id = c.user_id`;
const CHANGE_COLUMNS = `s.id, s.num, s.previous, s.current, s.user_id AS userId, u.name AS user, s.date
  FROM state_change s JOIN api_user u ON u.id = s.user_id`;

function statements(db: Db) {
  return {
    byNums: db.prepare<[string], CheckRow>(
      `SELECT ${CHECK_COLUMNS} WHERE c.num IN (SELECT value FROM json_each(?)) ORDER BY c.id`,
    ),
    byId: db.prepare<[number], CheckRow>(`SELECT ${CHECK_COLUMNS} WHERE c.id = ?`),
    from: db.prepare<[number], CheckRow>(`SELECT ${CHECK_COLUMNS} WHERE c.id >= ? ORDER BY c.id`),
    changesFrom: db.prepare<[number], StateChangeRow>(`SELECT ${CHANGE_COLUMNS} WHERE s.id >= ? ORDER BY s.id`),
    users: db.prepare<[], { id: number; name: string }>('SELECT id, name FROM api_user ORDER BY id'),
    addCheck: db.prepare<NewCheck>(
      `INSERT INTO patch_check (num, user_id, state, context, target_url, description, date)
       VALUES (@num, @userId, @state, @context, @targetUrl, @description, @date)`,
    ),
    addChange: db.prepare<Omit<StateChangeRow, 'id' | 'user'>>(
      `INSERT INTO state_change (num, previous, current, user_id, date) VALUES (@num, @previous, @current, @userId, @date)`,
    ),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof statements>>();
function st(db: Db): ReturnType<typeof statements> {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  return s;
}

/** Each patch's checks, in id order (patches without any are absent). */
export function checksOf(db: Db, nums: number[]): Map<number, CheckRow[]> {
  const out = new Map<number, CheckRow[]>();
  if (!nums.length) return out;
  for (const c of st(db).byNums.all(JSON.stringify(nums))) {
    const list = out.get(c.num);
    if (list) list.push(c);
    else out.set(c.num, [c]);
  }
  return out;
}

export function checkById(db: Db, id: number): CheckRow | undefined {
  return st(db).byId.get(id);
}

/** Checks with ids from `id` on, in order (what a replica takes). */
export function checksFrom(db: Db, id: number): CheckRow[] {
  return st(db).from.all(id);
}

export function stateChangesFrom(db: Db, id: number): StateChangeRow[] {
  return st(db).changesFrom.all(id);
}

export function apiUsers(db: Db): { id: number; name: string }[] {
  return st(db).users.all();
}

/** Store a check posted on a patch, in one transaction with the change log; its id. */
export function addCheck(db: Db, check: NewCheck): number {
  const changes = new ChangeLog();
  return db.transaction(() => {
    const id = Number(st(db).addCheck.run(check).lastInsertRowid);
    notePatchChanges(db, changes, [check.num]);
    changes.flush(db);
    return id;
  })();
}

/** Remember a state a maintainer gave a patch through the API (the events API lists them). */
export function recordStateChange(db: Db, change: Omit<StateChangeRow, 'id' | 'user'>): number {
  return Number(st(db).addChange.run(change).lastInsertRowid);
}
