// How much time searches may take: each search has a deadline that SQLite itself checks, through a
// function the search statements call for every row they look at (better-sqlite3 has no progress
// handler and no interrupt), and all searches together get at most a share of a worker's time.
// Searches run on the thread that serves pages: without these bounds one query could stop it.
// Time is the monotonic clock's: a step of the wall clock neither lifts a deadline nor refuses
// searches until it is made up.
import type { Db } from './open-database.js';

/** Milliseconds one search may run before it is stopped. */
export const SEARCH_DEADLINE_MS = 1000;
/** Searches may take at most half of a worker's time in any window this long... */
const WINDOW_MS = 2000;
/** ...so that pages waiting behind searches wait for one at most, not for a queue of them. */
const SEARCH_SHARE = 0.5;

/** A search refused or stopped for time; the client may ask again after `retryAfter` seconds. */
export class SearchOverBudget extends Error {
  readonly retryAfter: number;
  /**
   * A refusal for the share only: in how many milliseconds searches have room again if none runs
   * meanwhile. A search stopped at its deadline has none: it would cost as much again.
   */
  readonly roomInMs: number | undefined;
  constructor(message: string, retryAfter: number, roomInMs?: number) {
    super(message);
    this.retryAfter = retryAfter;
    this.roomInMs = roomInMs;
  }
}

/** The SQL function search statements call once per row; true while within the deadline. */
export const IN_TIME = 'lk_search_in_time()';

export class SearchBudget {
  private deadline = Infinity;
  /** [start, end] of the searches that ended within the last window, oldest first. */
  private recent: [number, number][] = [];
  private readonly deadlineMs: number;
  /** Rows the search statements have looked at, for checking the clock at every 64th. */
  private rows = 0;

  constructor(db: Db, deadlineMs = SEARCH_DEADLINE_MS) {
    this.deadlineMs = deadlineMs;
    db.function('lk_search_in_time', { deterministic: false }, () => {
      // the clock at every 64th row: reading it cost as much as the call itself (a count of 25,472
      // matches 3.8 ms with the clock at every row, 2.6 ms at every 64th, 1.1 ms without the function)
      if ((++this.rows & 63) === 0) this.check();
      return 1;
    });
  }

  /** Throws once the running search is past its deadline (for loops outside SQL too). */
  check(): void {
    if (performance.now() > this.deadline) {
      throw new SearchOverBudget(
        `the search took longer than ${this.deadlineMs / 1000} s and was stopped: narrow it down`,
        1,
      );
    }
  }

  /** Run one search within the deadline, unless searches already took their share of the last window. */
  run<T>(search: () => T): T {
    // a search run inside another shares its deadline
    if (this.deadline !== Infinity) return search();
    const start = performance.now();
    const from = start - WINDOW_MS;
    while (this.recent.length && this.recent[0][1] <= from) this.recent.shift();
    const used = this.recent.reduce((n, [s, e]) => n + e - Math.max(s, from), 0);
    if (used >= WINDOW_MS * SEARCH_SHARE) {
      const roomIn = this.roomIn(from, used - WINDOW_MS * SEARCH_SHARE);
      throw new SearchOverBudget(
        'searches are using all the time this server gives them: try again shortly',
        Math.ceil(roomIn / 1000),
        roomIn,
      );
    }
    this.deadline = start + this.deadlineMs;
    try {
      return search();
    } finally {
      this.deadline = Infinity;
      this.recent.push([start, performance.now()]);
    }
  }

  /**
   * Milliseconds until the window, starting at `from` now, has slid past `excess` milliseconds of
   * searches (and one more: the share must be under its limit), so that the next search may run.
   */
  private roomIn(from: number, excess: number): number {
    // the searches in the window add up to more than `excess`: the moment is within one of them
    for (let i = 0; ; i++) {
      const [s, e] = this.recent[i];
      const a = Math.max(s, from);
      if (e - a > excess) return a + excess + 1 - from;
      excess -= e - a;
    }
  }
}
