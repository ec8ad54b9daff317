// Where each patch stands (Patchwork's states): a maintainer's explicit state, else the automatic
// rules over what the store knows (a later version, a landing commit, review trailers); a series'
// state from its patches'. Explicit states are written here, with the change log, in one transaction.
import type { Db } from './open-database.js';
import { ChangeLog, changeKey } from './change-log.js';

/** Patchwork's state slugs, in Patchwork's order. */
export const PATCH_STATES = [
  'new',
  'under-review',
  'accepted',
  'rejected',
  'rfc',
  'not-applicable',
  'changes-requested',
  'awaiting-upstream',
  'superseded',
  'deferred',
] as const;

export type PatchStateName = (typeof PATCH_STATES)[number];

export const isPatchState = (s: string): s is PatchStateName => (PATCH_STATES as readonly string[]).includes(s);

export type AppliedHow = 'patch-id' | 'subject-author';

export interface PatchState {
  state: PatchStateName;
  /** False when a maintainer set it (setBy, setAt say who and when). */
  automatic: boolean;
  setBy?: string;
  setAt?: number;
  /** The commit of a tracked branch the patch landed as, whatever the state. */
  commit?: string;
  /** How the commit was found: the same `git patch-id --stable`, or (weaker) the same subject and author. */
  how?: AppliedHow;
  /** Where the commit is: the repository's name and the branch. */
  repo?: string;
  branch?: string;
}

export interface SeriesState {
  state: PatchStateName;
  /** False when every patch has an explicit state. */
  automatic: boolean;
  /** How many of its patches are in each state. */
  counts: Partial<Record<PatchStateName, number>>;
}

/** Trailers that make a patch under review when a reply gives them (b4's and the series pages' count). */
const REVIEW_TRAILERS = `('reviewed-by', 'acked-by', 'tested-by')`;

/**
 * SQL: series `b` of the same chain supersedes series `a`: sent after it, and a higher version, the
 * same version again (a RESEND, or a repost under the same title), or any version of a series that
 * is no longer an RFC (version numbers often start again after one). A sibling of the same version
 * under another title (a series split in two) supersedes nothing.
 */
const LATER = (a: string, b: string) =>
  `((${b}.ds > ${a}.ds OR (${b}.ds = ${a}.ds AND ${b}.id > ${a}.id))
    AND (${b}.version > ${a}.version
         OR (${b}.version = ${a}.version AND (${b}.resend = 1 OR lower(${b}.title) = lower(${a}.title)))
         OR (${a}.rfc = 1 AND ${b}.rfc = 0)))`;

interface AutoRow {
  superseded: number;
  reviewed: number;
}

interface ExplicitRow {
  state: PatchStateName;
  setBy: string;
  setAt: number;
}

interface AppliedRow {
  commit: string;
  how: AppliedHow;
  repo: string;
  branch: string;
}

function statements(db: Db) {
  return {
    // the patch's own series (not a partial reroll borrowing it); superseded by a later version of
    // the chain that does not carry the very same message
    auto: db.prepare<[number], AutoRow>(
      `SELECT EXISTS (SELECT 1 FROM series s2 WHERE s2.chain = s.chain AND s2.id != s.id AND ${LATER('s', 's2')}
                      AND NOT EXISTS (SELECT 1 FROM series_patch b WHERE b.series_id = s2.id AND b.num = sp.num)) AS superseded,
              EXISTS (SELECT 1 FROM series_patch x JOIN series_trailer t ON t.series_id = x.series_id AND t.counter IN (0, x.counter)
                      WHERE x.num = sp.num AND t.matched = 1 AND lower(t.name) IN ${REVIEW_TRAILERS}) AS reviewed
       FROM series_patch sp JOIN series s ON s.id = sp.series_id
       WHERE sp.num = ? AND sp.counter > 0 AND sp.from_version IS NULL`,
    ),
    explicit: db.prepare<[number], ExplicitRow>(
      'SELECT state, set_by AS setBy, set_at AS setAt FROM patch_state WHERE num = ?',
    ),
    applied: db.prepare<[number], AppliedRow>(
      `SELECT commit_id AS "commit", how, repo, branch FROM applied WHERE num = ?
       ORDER BY how = 'subject-author', repo, branch LIMIT 1`,
    ),
    seriesPatches: db
      .prepare<[number], number>('SELECT num FROM series_patch WHERE series_id = ? AND counter > 0')
      .pluck(),
    seriesLater: db
      .prepare<[number], number>(
        `SELECT EXISTS (SELECT 1 FROM series s2 WHERE s2.chain = s.chain AND s2.id != s.id AND ${LATER('s', 's2')})
         FROM series s WHERE s.id = ?`,
      )
      .pluck(),
    isPatch: db.prepare<[number], number>('SELECT 1 FROM series_patch WHERE num = ? AND counter > 0 LIMIT 1').pluck(),
    touched: db.prepare<[number], { tid: number; inboxId: number; mid: string }>(
      'SELECT tid, inbox_id AS inboxId, mid FROM msg WHERE num = ?',
    ),
    chains: db
      .prepare<[number], number>(
        'SELECT DISTINCT s.chain FROM series_patch sp JOIN series s ON s.id = sp.series_id WHERE sp.num = ?',
      )
      .pluck(),
    set: db.prepare<[number, string, string, number]>(
      `INSERT INTO patch_state (num, state, set_by, set_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (num) DO UPDATE SET state = excluded.state, set_by = excluded.set_by, set_at = excluded.set_at`,
    ),
    clear: db.prepare<[number]>('DELETE FROM patch_state WHERE num = ?'),
    edited: db.prepare(`UPDATE counter SET val = val + 1 WHERE key = 'edits'`),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof statements>>();
function st(db: Db): ReturnType<typeof statements> {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  return s;
}

/**
 * The state of each of these messages that is a patch of some series (or was given a state):
 * explicit when a maintainer set one, else the first rule that holds: accepted (it landed in a
 * tracked branch), superseded (a later version of its series exists), under-review (a reply gave it,
 * or its cover letter, a Reviewed-by, Acked-by or Tested-by), new.
 */
export function patchStates(db: Db, nums: number[]): Map<number, PatchState> {
  const s = st(db);
  const out = new Map<number, PatchState>();
  for (const num of nums) {
    const explicit = s.explicit.get(num);
    const auto = s.auto.get(num);
    if (!explicit && !auto) continue;
    const applied = s.applied.get(num);
    const landed = applied ? { ...applied } : {};
    if (explicit) {
      out.set(num, {
        state: explicit.state,
        automatic: false,
        setBy: explicit.setBy,
        setAt: explicit.setAt,
        ...landed,
      });
    } else {
      const state: PatchStateName = applied
        ? 'accepted'
        : auto!.superseded
          ? 'superseded'
          : auto!.reviewed
            ? 'under-review'
            : 'new';
      out.set(num, { state, automatic: true, ...landed });
    }
  }
  return out;
}

/** A mixed series takes the state of its least settled patch, in this order. */
const UNSETTLED_FIRST: PatchStateName[] = [
  'new',
  'under-review',
  'changes-requested',
  'rfc',
  'awaiting-upstream',
  'deferred',
  'superseded',
  'accepted',
  'rejected',
  'not-applicable',
];

/**
 * The state of each series: its patches' (borrowed ones of a partial reroll included) when they all
 * agree; else superseded when a later version of it exists; else its least settled patch's. The
 * counts say how many patches are in each state (a partly applied series: new, 3 accepted).
 */
export function seriesState(db: Db, seriesIds: number[]): Map<number, SeriesState> {
  const s = st(db);
  const out = new Map<number, SeriesState>();
  for (const id of seriesIds) {
    const states = [...patchStates(db, s.seriesPatches.all(id)).values()];
    if (!states.length) continue;
    const counts: Partial<Record<PatchStateName, number>> = {};
    for (const p of states) counts[p.state] = (counts[p.state] ?? 0) + 1;
    const kinds = Object.keys(counts) as PatchStateName[];
    const state =
      kinds.length === 1 ? kinds[0] : s.seriesLater.get(id) ? 'superseded' : UNSETTLED_FIRST.find((k) => counts[k])!;
    out.set(id, { state, automatic: states.some((p) => p.automatic), counts });
  }
  return out;
}

export class PatchStateError extends Error {}

/**
 * A maintainer's word on a patch (msg.num): `state` from now on, whatever the automatic rules say,
 * set by `by` at `at` (Unix seconds). The pages showing it are dropped from servers' caches.
 * Throws PatchStateError for an unknown state or a message that is no patch.
 */
export function setPatchState(db: Db, num: number, state: string, by: string, at: number): void {
  if (!isPatchState(state)) throw new PatchStateError(`unknown state ${JSON.stringify(state)}`);
  const s = st(db);
  const changes = new ChangeLog();
  db.transaction(() => {
    const msg = s.touched.get(num);
    if (!msg || !s.isPatch.get(num)) throw new PatchStateError(`message ${num} is no patch of a series`);
    s.set.run(num, state, by, at);
    notePatchChanges(db, changes, [num]);
    changes.flush(db);
  })();
}

/** Forget a maintainer's word on a patch: its automatic state shows again. */
export function clearPatchState(db: Db, num: number): void {
  const s = st(db);
  const changes = new ChangeLog();
  db.transaction(() => {
    if (!s.clear.run(num).changes) return;
    notePatchChanges(db, changes, [num]);
    changes.flush(db);
  })();
}

/**
 * Note, in the caller's transaction, that what is shown of these patches' states changed: their
 * threads, Message-IDs, inboxes (the series list) and version chains (series pages).
 */
export function notePatchChanges(db: Db, changes: ChangeLog, nums: Iterable<number>): void {
  const s = st(db);
  let any = false;
  for (const num of nums) {
    const msg = s.touched.get(num);
    if (!msg) continue;
    changes.note(changeKey.thread(msg.tid));
    changes.note(changeKey.mid(msg.mid));
    changes.note(changeKey.inbox(msg.inboxId));
    for (const chain of s.chains.all(num)) changes.note(changeKey.chain(chain));
    any = true;
  }
  if (any) s.edited.run();
}
