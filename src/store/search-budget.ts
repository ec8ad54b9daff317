// How much time searches may take: each search has a deadline that SQLite itself checks, through a
// function the search statements call for every row they look at (better-sqlite3 has no progress
// handler and no interrupt), and all searches together get at most a share of a worker's time.
// Searches run on the thread that serves pages: without these bounds one query could stop it.
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
  constructor(message: string, retryAfter: number) {
    super(message);
    this.retryAfter = retryAfter;
  }
}

/** The SQL function search statements call once per row; true while within the deadline. */
export const IN_TIME = 'lk_search_in_time()';

export class SearchBudget {
  private deadline = Infinity;
  /** [start, end] of the searches that ended within the last window, oldest first. */
  private recent: [number, number][] = [];
  private readonly deadlineMs: number;

  constructor(db: Db, deadlineMs = SEARCH_DEADLINE_MS) {
    this.deadlineMs = deadlineMs;
    db.function('lk_search_in_time', { deterministic: false }, () => {
      this.check();
      return 1;
    });
  }

  /** Throws once the running search is past its deadline (for loops outside SQL too). */
  check(): void {
    if (Date.now() > this.deadline) {
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
    const start = Date.now();
    const from = start - WINDOW_MS;
    while (this.recent.length && this.recent[0][1] <= from) this.recent.shift();
    const used = this.recent.reduce((n, [s, e]) => n + e - Math.max(s, from), 0);
    if (used >= WINDOW_MS * SEARCH_SHARE) {
      throw new SearchOverBudget('searches are using all the time this server gives them: try again shortly', 1);
    }
    this.deadline = start + this.deadlineMs;
    try {
      return search();
    } finally {
      this.deadline = Infinity;
      this.recent.push([start, Date.now()]);
    }
  }
}
