// What `lorekeeper applied` keeps: the commits patches landed as, per repository and branch, and
// the last commit scanned of each branch, written with the change log in one transaction per branch.
import type { Db } from './open-database.js';
import { ChangeLog } from './change-log.js';
import { notePatchChanges, type AppliedHow } from './patch-states.js';

export interface ScannedBranch {
  inboxId: number;
  branch: string;
  path: string;
  tip: string;
}

/** A patch of an inbox, as commits are matched against it. */
export interface InboxPatch {
  num: number;
  subject: string;
  fromAddr: string;
  /** When it was sent, Unix seconds. */
  ds: number;
}

export interface Landing {
  num: number;
  commit: string;
  how: AppliedHow;
}

export class AppliedRecords {
  private readonly st;

  constructor(private readonly db: Db) {
    this.st = {
      inbox: db.prepare<[string], number>('SELECT id FROM inbox WHERE name = ?').pluck(),
      scans: db.prepare<[string], ScannedBranch & { inboxId: number }>(
        'SELECT inbox_id AS inboxId, branch, path, tip FROM applied_scan WHERE repo = ?',
      ),
      oldest: db
        .prepare<[number], number | null>(
          `SELECT min(m.ds) FROM series s JOIN series_patch sp ON sp.series_id = s.id JOIN msg m ON m.num = sp.num
           WHERE s.inbox_id = ? AND sp.counter > 0`,
        )
        .pluck(),
      byPatchId: db.prepare<[string, number], InboxPatch>(
        `SELECT DISTINCT m.num, m.subject, m.from_addr AS fromAddr, m.ds FROM patchid p JOIN msg m ON m.num = p.num
         JOIN series_patch sp ON sp.num = m.num AND sp.counter > 0 WHERE p.patchid = ? AND m.inbox_id = ?`,
      ),
      patches: db.prepare<[number], InboxPatch>(
        `SELECT m.num, m.subject, m.from_addr AS fromAddr, m.ds FROM series s
         JOIN series_patch sp ON sp.series_id = s.id AND sp.counter > 0 AND sp.from_version IS NULL
         JOIN msg m ON m.num = sp.num WHERE s.inbox_id = ?`,
      ),
      land: db.prepare<[number, string, string, string, string]>(
        'INSERT OR IGNORE INTO applied (num, repo, branch, commit_id, how) VALUES (?, ?, ?, ?, ?)',
      ),
      scanned: db.prepare<[number, string, string, string, string]>(
        `INSERT INTO applied_scan (inbox_id, repo, branch, path, tip) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (inbox_id, repo, branch) DO UPDATE SET path = excluded.path, tip = excluded.tip`,
      ),
    };
  }

  inboxId(name: string): number | undefined {
    return this.st.inbox.get(name);
  }

  /** The branches of the repository called `repo` scanned so far, for any inbox. */
  scans(repo: string): ScannedBranch[] {
    return this.st.scans.all(repo);
  }

  /** When the inbox's oldest patch was sent: no commit before it can be one of its patches. */
  oldestPatch(inboxId: number): number | null {
    return this.st.oldest.get(inboxId) ?? null;
  }

  /** The inbox's patches with this `git patch-id --stable`. */
  withPatchId(patchId: string, inboxId: number): InboxPatch[] {
    return this.st.byPatchId.all(patchId, inboxId);
  }

  /** Every patch of the inbox (for the subject and author rule). */
  patches(inboxId: number): InboxPatch[] {
    return this.st.patches.all(inboxId);
  }

  /**
   * Record what landed on a branch and the commit scanned up to, in one transaction; a patch keeps
   * the first commit it landed as on a branch. The landings new to it.
   */
  record(scan: ScannedBranch & { repo: string }, landed: Landing[]): Landing[] {
    const { inboxId, repo, branch, path, tip } = scan;
    const changes = new ChangeLog();
    return this.db.transaction(() => {
      const added = landed.filter((l) => this.st.land.run(l.num, repo, branch, l.commit, l.how).changes > 0);
      this.st.scanned.run(inboxId, repo, branch, path, tip);
      notePatchChanges(
        this.db,
        changes,
        added.map((l) => l.num),
      );
      changes.flush(this.db);
      return added;
    })();
  }
}
