// Where a public-inbox archive keeps its git history: a v2 inbox directory (git/0.git, git/1.git,
// ... as public-inbox-clone writes it), a v1 inbox (one bare repository, messages as xx/yyyy files)
// or a single bare epoch repository; and the check that a repository really is one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { git, runGit, gitSaid } from './git.js';
import type { InboxVersion } from './history.js';

export interface Epoch {
  /** N of git/N.git; 0 for a v1 inbox. */
  n: number;
  gitDir: string;
  /** The commit HEAD names; undefined for a repository without commits yet. */
  tip?: string;
}

export interface GitInbox {
  /** As given on the command line. */
  label: string;
  version: InboxVersion;
  /** Oldest first. */
  epochs: Epoch[];
}

export class NotAnInboxError extends Error {}

const EPOCH_DIR = /^(0|[1-9][0-9]*)\.git$/;

/** Where an inbox's git history lives in a data directory (public-inbox-clone's layout). */
export const inboxDir = (dataDir: string, inbox: string) => join(dataDir, 'inboxes', inbox);

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A bare repository's marks, as git itself looks for them. */
export function isBareRepo(path: string): boolean {
  return existsSync(join(path, 'HEAD')) && isDir(join(path, 'objects')) && isDir(join(path, 'refs'));
}

/** The epoch directories of a v2 inbox directory, oldest first (none: not a v2 inbox). */
export function epochDirs(inboxDir: string): { n: number; gitDir: string }[] {
  const dir = join(inboxDir, 'git');
  if (!isDir(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ m: EPOCH_DIR.exec(name), name }))
    .filter(({ m, name }) => m && isBareRepo(join(dir, name)))
    .map(({ m, name }) => ({ n: Number(m![1]), gitDir: join(dir, name) }))
    .sort((a, b) => a.n - b.n);
}

/** Whether SOURCE names a git archive rather than a mail file or Maildir (nothing is run yet). */
export function isGitSource(path: string): boolean {
  return epochDirs(path).length > 0 || isBareRepo(path);
}

/** What a repository's newest tree says it is: a v2 epoch holds m (or d), a v1 inbox xx/ directories. */
async function versionOf(gitDir: string, tip: string, label: string): Promise<InboxVersion> {
  const names = (await git(gitDir, ['ls-tree', '--name-only', tip])).split('\n').filter(Boolean);
  if (names.every((n) => n === 'm' || n === 'd')) return 2;
  if (names.every((n) => /^[0-9a-f]{2}$/.test(n))) return 1;
  const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? ', ...' : '');
  throw new NotAnInboxError(
    `${label} is not a public-inbox archive: its newest commit holds ${shown} (a v2 epoch holds one file, m; a v1 inbox, xx/ directories named by Message-ID hashes)`,
  );
}

/** The commit HEAD names, undefined for an empty repository; an unreadable one is an error. */
async function tipOf(gitDir: string, label: string): Promise<string | undefined> {
  // no commit yet is fine (public-inbox-init makes such epochs): HEAD names nothing
  const named = await runGit(gitDir, ['rev-parse', '-q', '--verify', 'HEAD']);
  if (named.code !== 0) return undefined;
  const r = await runGit(gitDir, ['rev-parse', '--verify', 'HEAD^{commit}']);
  if (r.code === 0) return r.stdout.toString().trim();
  const head = (await runGit(gitDir, ['symbolic-ref', '-q', 'HEAD'])).stdout.toString().trim() || 'HEAD';
  throw new NotAnInboxError(`cannot read ${label}: ${head} names no commit git can read (${gitSaid(r.stderr)})`);
}

/** Find and check the epochs of SOURCE before anything is written. */
export async function openGitInbox(label: string): Promise<GitInbox> {
  const dirs = epochDirs(label);
  if (!dirs.length) {
    if (!isBareRepo(label)) throw new NotAnInboxError(`${label} is neither a public-inbox inbox nor a git repository`);
    const m = EPOCH_DIR.exec(basename(label.replace(/\/+$/, '')));
    dirs.push({ n: m ? Number(m[1]) : 0, gitDir: label });
  }
  const epochs: Epoch[] = [];
  const versions = new Set<InboxVersion>();
  for (const d of dirs) {
    const where = dirs.length > 1 || d.gitDir !== label ? join(label, 'git', `${d.n}.git`) : label;
    const tip = await tipOf(d.gitDir, where);
    if (tip) versions.add(await versionOf(d.gitDir, tip, where));
    epochs.push({ ...d, tip });
  }
  const isV1 = versions.has(1);
  if (isV1 && (dirs.length > 1 || versions.size > 1))
    throw new NotAnInboxError(`${label} mixes v1 and v2 layouts: a v1 inbox is one repository`);
  return { label, version: isV1 ? 1 : 2, epochs };
}
