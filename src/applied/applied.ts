// `lorekeeper applied`'s job: which patches of an inbox landed in a repository's tracked branches.
// Each branch's commits after the last one scanned are matched against the inbox's patches, by
// `git patch-id --stable` and, for a patch the maintainer edited, by subject and author; what
// landed is recorded with the commit, and published to replicas.
import { openDatabase } from '../store/open-database.js';
import { AppliedRecords, type InboxPatch, type Landing } from '../store/applied-records.js';
import { parsePatchSubject } from '../mail/subject.js';
import { publishState } from '../mirror/admin-repo.js';
import { commitsAfter, gitDirOf, hasCommit, headBranch, repoName, tipOf, type BranchCommit } from './branch-history.js';

export interface AppliedOptions {
  dataDir: string;
  inbox: string;
  /** The repository: a work tree or a bare repository. */
  repo: string;
  /** Refs to track; none: the branch HEAD names. */
  branches: string[];
  /** Forget the last commits scanned and read the branches again. */
  rescan?: boolean;
}

export interface BranchSummary {
  branch: string;
  /** Commits read this time (0: nothing new). */
  commits: number;
  /** Patches found landed this time, by each rule. */
  byPatchId: number;
  bySubjectAuthor: number;
}

export interface AppliedSummary {
  repo: string;
  branches: BranchSummary[];
  seconds: number;
}

export class AppliedError extends Error {}

/**
 * A commit is a patch only if it was committed after the patch was sent (so a stable backport or
 * an AUTOSEL posting of a commit already upstream is not where it came from), with this much
 * leeway for clocks.
 */
const CLOCK_SLACK = 3600;

/** How a subject and an author are compared: the title without [PATCH ...], spaces folded, lower-cased. */
const titleAuthor = (title: string, addr: string) =>
  `${title.replace(/\s+/g, ' ').trim().toLowerCase()}\0${addr.toLowerCase()}`;

/** Of the patches a commit may be, the one last sent before it was committed. */
function latestBefore(patches: InboxPatch[], c: BranchCommit): InboxPatch | undefined {
  let best: InboxPatch | undefined;
  for (const p of patches) {
    if (p.ds > c.committed + CLOCK_SLACK) continue;
    if (!best || p.ds > best.ds || (p.ds === best.ds && p.num > best.num)) best = p;
  }
  return best;
}

export async function scanApplied(opts: AppliedOptions): Promise<AppliedSummary> {
  const started = Date.now();
  const gitDir = await gitDirOf(opts.repo);
  const name = repoName(gitDir);
  const branches = opts.branches.length ? opts.branches : [await headBranch(gitDir)];
  const tips = new Map<string, string>();
  for (const b of branches) {
    const tip = await tipOf(gitDir, b);
    if (!tip) throw new AppliedError(`${opts.repo} has no branch ${b}`);
    tips.set(b, tip);
  }
  const db = openDatabase(opts.dataDir);
  try {
    const records = new AppliedRecords(db);
    const inboxId = records.inboxId(opts.inbox);
    if (inboxId === undefined) throw new AppliedError(`no inbox ${opts.inbox} in ${opts.dataDir}`);
    const scans = records.scans(name);
    const other = scans.find((s) => s.path !== gitDir);
    if (other)
      throw new AppliedError(
        `another repository named ${name} was scanned before (${other.path}): records name repositories by their directory`,
      );
    const oldest = records.oldestPatch(inboxId);
    let bySubject: Map<string, InboxPatch[]> | undefined;
    const summary: AppliedSummary = { repo: name, branches: [], seconds: 0 };
    for (const [branch, tip] of tips) {
      const last = opts.rescan ? undefined : scans.find((s) => s.inboxId === inboxId && s.branch === branch)?.tip;
      const s: BranchSummary = { branch, commits: 0, byPatchId: 0, bySubjectAuthor: 0 };
      summary.branches.push(s);
      if (last === tip) continue;
      const after = last && (await hasCommit(gitDir, last)) ? last : undefined;
      const commits = oldest === null ? [] : await commitsAfter(gitDir, tip, after, oldest - CLOCK_SLACK);
      s.commits = commits.length;
      const landed: Landing[] = [];
      for (const c of commits) {
        const same = c.patchId ? latestBefore(records.withPatchId(c.patchId, inboxId), c) : undefined;
        if (same) {
          landed.push({ num: same.num, commit: c.id, how: 'patch-id' });
          continue;
        }
        // the maintainer edited the patch: the same subject from the same author (a weaker rule)
        bySubject ??= index(records.patches(inboxId));
        const like = latestBefore(bySubject.get(titleAuthor(c.subject, c.authorAddr)) ?? [], c);
        if (like) landed.push({ num: like.num, commit: c.id, how: 'subject-author' });
      }
      // oldest commit first: a patch applied twice keeps the commit it first landed as
      landed.reverse();
      const added = records.record({ inboxId, repo: name, branch, path: gitDir, tip }, landed);
      s.byPatchId = added.filter((l) => l.how === 'patch-id').length;
      s.bySubjectAuthor = added.filter((l) => l.how === 'subject-author').length;
    }
    if (summary.branches.some((b) => b.commits))
      await publishState(opts.dataDir, db, `applied ${name} ${branches.join(' ')}`);
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  } finally {
    db.close();
  }
}

/** The inbox's patches by subject and author. */
function index(patches: InboxPatch[]): Map<string, InboxPatch[]> {
  const out = new Map<string, InboxPatch[]>();
  for (const p of patches) {
    const key = titleAuthor(parsePatchSubject(p.subject).title, p.fromAddr);
    const list = out.get(key);
    if (list) list.push(p);
    else out.set(key, [p]);
  }
  return out;
}
