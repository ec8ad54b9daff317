// How much time searches may take: each search has a deadline that SQLite itself checks, through a
// function the search statements call for every row they look at (better-sqlite3 has no progress
// handler and no interrupt), and all searches together get at most a share of a worker's time.
// Searches run on the thread that serves pages: without these bounds one query could stop it.
import type { Db } from './open-database.js';

/** Milliseconds one search may run before it is stopped. */
export const SEARCH_DEADLINE_MS = 1000;
/** Share of a worker's time searches may use, over the long run... */
const SEARCH_SHARE = 0.5;
/** ...and at most this many milliseconds of searching in a row before pages get their turn. */
const SEARCH_BURST_MS = 2000;

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
  /** Milliseconds of searching the worker may still do at once; refills at SEARCH_SHARE. */
  private credit = SEARCH_BURST_MS;
  private refilled = Date.now();
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

  /** Run one search within the deadline, if searches have not used up their share of the worker's time. */
  run<T>(search: () => T): T {
    // a search run inside another shares its deadline
    if (this.deadline !== Infinity) return search();
    const start = Date.now();
    this.credit = Math.min(SEARCH_BURST_MS, this.credit + (start - this.refilled) * SEARCH_SHARE);
    this.refilled = start;
    if (this.credit <= 0) {
      throw new SearchOverBudget(
        'searches are using all the time this server gives them: try again shortly',
        Math.ceil(-this.credit / SEARCH_SHARE / 1000) || 1,
      );
    }
    this.deadline = start + this.deadlineMs;
    try {
      return search();
    } finally {
      this.deadline = Infinity;
      this.credit -= Date.now() - start;
    }
  }
}
