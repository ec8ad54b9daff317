// A tracked branch's history as `lorekeeper applied` reads it, through git itself: the commits
// after the last one scanned, each with its author, commit time, subject and `git patch-id --stable`.
import { basename, dirname } from 'node:path';
import { GitError, git, gitLines, gitPipeLines, runGit } from '../mirror/git.js';

export interface BranchCommit {
  id: string;
  /** Author's address, lower-cased (git am takes it from the mail's From:). */
  authorAddr: string;
  /** Committer time, Unix seconds: when it was applied. */
  committed: number;
  /** First line of the message (git am's: the mail's subject without its [PATCH ...] prefix). */
  subject: string;
  /** Absent for a commit without a diff. */
  patchId?: string;
}

/** The git directory of a repository given by its work tree or as a bare repository. */
export async function gitDirOf(path: string): Promise<string> {
  try {
    return (await git(null, ['-C', path, 'rev-parse', '--absolute-git-dir'])).trim();
  } catch (e) {
    // git's own words vary: "not a git repository", or "Stopping at filesystem boundary" when its
    // search upwards reaches a mount point (a repository path on /dev/shm or another disk)
    if (e instanceof GitError) throw new GitError(`${path} is not a git repository (${e.message})`);
    throw e;
  }
}

/** How records name a repository: its directory's name, without .git (linux for /src/linux/.git or /git/linux.git). */
export function repoName(gitDir: string): string {
  const dir = basename(gitDir) === '.git' ? basename(dirname(gitDir)) : basename(gitDir);
  return dir.replace(/\.git$/, '');
}

/** The branch HEAD names (what `--branch` defaults to). */
export async function headBranch(gitDir: string): Promise<string> {
  return (await git(gitDir, ['symbolic-ref', 'HEAD'])).trim();
}

/** The commit a ref points at; undefined when there is no such ref. */
export async function tipOf(gitDir: string, ref: string): Promise<string | undefined> {
  const r = await runGit(gitDir, ['rev-parse', '-q', '--verify', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.toString().trim() : undefined;
}

/** Whether the repository still holds this commit (a branch rewritten and pruned may not). */
export async function hasCommit(gitDir: string, id: string): Promise<boolean> {
  return (await runGit(gitDir, ['cat-file', '-e', `${id}^{commit}`])).code === 0;
}

/** Diff output patch-ids are computed alike from, whatever the repository's configuration says. */
const PLAIN_DIFF = ['-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false'];

/**
 * The commits that are not merges, reachable from `tip` and not from `after` (every one when
 * `after` is undefined), committed at or after `notBefore` (Unix seconds), newest first.
 */
export async function commitsAfter(
  gitDir: string,
  tip: string,
  after: string | undefined,
  notBefore: number,
): Promise<BranchCommit[]> {
  // --since would stop at the first older commit; the history's dates need not be in order
  const range = ['--no-merges', `--since-as-filter=@${notBefore}`, tip, ...(after ? [`^${after}`] : []), '--'];
  const commits: BranchCommit[] = [];
  const byId = new Map<string, BranchCommit>();
  for await (const line of gitLines(gitDir, ['log', '--format=%H%x00%ae%x00%ct%x00%s', ...range])) {
    const [id, addr, ct, subject] = line.split('\0');
    const c = { id, authorAddr: addr.toLowerCase(), committed: Number(ct), subject };
    commits.push(c);
    byId.set(id, c);
  }
  if (!commits.length) return commits;
  const log = [
    ...PLAIN_DIFF,
    'log',
    '-p',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--format=commit %H',
    ...range,
  ];
  for await (const line of gitPipeLines(gitDir, log, ['patch-id', '--stable'])) {
    const [patchId, id] = line.split(' ');
    const c = byId.get(id);
    if (c) c.patchId = patchId;
  }
  return commits;
}
