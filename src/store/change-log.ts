// What a commit changed, in the terms pages depend on (threads, loose subjects, series chains,
// Message-IDs, inboxes), written in the commit's own transaction: a server drops only the cached
// pages that depend on one of them.
import type { Db } from './open-database.js';

/** Rows kept: a server further behind than this drops every cached page instead. */
const KEEP = 100_000;

export const changeKey = {
  thread: (tid: number) => `t${tid}`,
  subject: (sid: number) => `s${sid}`,
  chain: (chain: number) => `c${chain}`,
  mid: (mid: string) => `m${mid}`,
  inbox: (inboxId: number) => `i${inboxId}`,
  /**
   * An hour and a day (UTC) of an inbox's arrivals: an index page of older messages depends on the
   * hours (or days, when it spans many) of its window only.
   */
  hour: (inboxId: number, ts: number) => `h${inboxId}.${Math.floor(ts / 3600)}`,
  day: (inboxId: number, ts: number) => `d${inboxId}.${Math.floor(ts / 86400)}`,
  /** Something every page may show changed (an inbox's description). */
  everything: '*',
};

export class ChangeLog {
  private noted = new Set<string>();

  note(key: string): void {
    this.noted.add(key);
  }

  /** Write what was noted since the last flush, in the caller's transaction; old rows go. */
  flush(db: Db): void {
    if (!this.noted.size) return;
    const insert = db.prepare<[string]>('INSERT INTO change (key) VALUES (?)');
    for (const key of this.noted) insert.run(key);
    this.noted = new Set();
    db.prepare<[number]>('DELETE FROM change WHERE seq <= (SELECT max(seq) FROM change) - ?').run(KEEP);
  }

  /** Forget what was noted (the transaction rolled back). */
  discard(): void {
    this.noted = new Set();
  }
}
