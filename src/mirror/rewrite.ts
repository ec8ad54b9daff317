// Following an epoch whose history was rewritten upstream. public-inbox-edit and public-inbox-purge
// rewrite every commit from the changed message on, each in its place: the edited message keeps
// its Message-IDs and References, a purged one becomes an empty blob. Such a rewrite is followed
// in place (the edited message keeps its number, the purged one goes), which is what a fresh
// mirror of the new history holds. Any other rewrite (a force-push) cannot be, and is refused.
import { createHash } from 'node:crypto';
import { analyzeMessage, type AnalyzedMessage } from '../mail/analyze.js';
import type { EpochTable } from '../store/epochs.js';
import type { Change } from '../ingest/ingest.js';
import { runGit, objectContents } from './git.js';
import { allCommitsOf, type CommitOps, type InboxVersion } from './history.js';
import type { Epoch } from './layout.js';

export type Followed =
  | {
      ok: true;
      /** The changes made in place, in the order of the history. */
      changes: Change[];
      /** The new history's commit in the place of the one taken last. */
      counterpart: string;
      edited: number;
      purged: number;
    }
  | { ok: false; why: string };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

function analyzed(raw: Buffer): AnalyzedMessage | undefined {
  try {
    return analyzeMessage(raw);
  } catch {
    return undefined;
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Commits are paired by position; each pair must make the same kinds of change. */
function misfit(old: CommitOps[], now: CommitOps[]): string | undefined {
  if (now.length < old.length)
    return `the new history has ${now.length} commits where ${old.length} were taken since they part`;
  for (let i = 0; i < old.length; i++) {
    const kinds = (c: CommitOps) => c.ops.map((op) => op.kind).join(',');
    if (kinds(old[i]) !== kinds(now[i]))
      return `commit ${now[i].commit} does not change what ${old[i].commit} changed in its place`;
  }
  return undefined;
}

/**
 * How to follow epoch `epoch` from `last` (the commit taken last, no longer in its history) to its
 * tip in place, or why that cannot be done.
 */
export async function followRewrite(
  epoch: Epoch & { tip: string },
  version: InboxVersion,
  last: string,
  table: EpochTable,
  inboxId: number,
): Promise<Followed> {
  const { gitDir, tip } = epoch;
  if ((await runGit(gitDir, ['cat-file', '-e', `${last}^{commit}`])).code !== 0)
    return { ok: false, why: `the commit taken last, ${last}, is no longer in the repository to compare with` };
  const base = (await runGit(gitDir, ['merge-base', last, tip])).stdout.toString().trim();
  const since = (head: string) => (base ? [`${base}..${head}`] : [head]);
  const old = await allCommitsOf(gitDir, version, since(last));
  const now = await allCommitsOf(gitDir, version, since(tip));
  const bad = misfit(old, now);
  if (bad) return { ok: false, why: bad };

  // the messages the rewrite replaced, old and new bytes side by side
  const pairs: [string, string][] = [];
  old.forEach((c, i) =>
    c.ops.forEach((op, j) => {
      const replaced = now[i].ops[j].oid;
      if (op.kind === 'add' && op.oid !== replaced) pairs.push([op.oid, replaced]);
    }),
  );
  const bytes: Buffer[] = [];
  for await (const b of objectContents(gitDir, pairs.flat())) bytes.push(b);

  const changes: Change[] = [];
  let edited = 0;
  let purged = 0;
  for (let i = 0; i < pairs.length; i++) {
    const [before, after] = [bytes[2 * i], bytes[2 * i + 1]];
    const num = table.storedCopy(inboxId, sha256(before));
    if (!after.length) {
      // purged: the message goes, its number stays taken
      if (num !== undefined) changes.push({ kind: 'remove', sha256: sha256(before) });
      purged++;
      continue;
    }
    const [was, is] = [analyzed(before), analyzed(after)];
    if (!was || !is) return { ok: false, why: `blob ${pairs[i][1]} replaced ${pairs[i][0]}, and one is not a message` };
    if (!sameList([...was.mids].sort(), [...is.mids].sort()) || !sameList(was.refs, is.refs))
      return { ok: false, why: `blob ${pairs[i][1]} replaced ${pairs[i][0]} with other Message-IDs or References` };
    // stored, and not a copy of another message once edited (as a fresh mirror would have stored it)
    if (num !== undefined) {
      if (is.mids.some((mid) => table.sameContent(inboxId, mid, is.contentHash, num) !== undefined))
        return { ok: false, why: `the edited message <${is.mids[0]}> is now a copy of another one` };
      changes.push({ kind: 'replace', num, raw: after });
    }
    edited++;
  }
  // (what was taken since the two part is never empty: `last` itself is not in the new history)
  return { ok: true, changes, counterpart: now[old.length - 1].commit, edited, purged };
}
