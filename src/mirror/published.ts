// What a data directory publishes over git: each inbox's epochs (DATA/inboxes/NAME/git/N.git, or a
// mirrored v1 inbox's one repository) and grokmirror's manifest entries for them, as public-inbox's
// ManifestJsGz makes them: fingerprint = SHA-1 of `git show-ref`, modified = the newest commit's
// committer date. Entries are computed again only when a repository's refs change on disk.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './git.js';
import { epochDirs, inboxDir, isBareRepo } from './layout.js';

export interface PublishedRepo {
  /** The manifest key: /NAME/git/N.git, or /NAME for a v1 inbox. */
  key: string;
  gitDir: string;
  /** N of an epoch; undefined for a v1 inbox. */
  epoch?: number;
}

export interface ManifestEntry {
  fingerprint: string;
  modified: number;
  description: string;
  owner: null;
  reference: null;
}

/** The repositories an inbox publishes, oldest epoch first (none for an inbox without epochs). */
export function publishedRepos(dataDir: string, inbox: string): PublishedRepo[] {
  const dir = inboxDir(dataDir, inbox);
  const epochs = epochDirs(dir);
  if (epochs.length) return epochs.map((e) => ({ key: `/${inbox}/git/${e.n}.git`, gitDir: e.gitDir, epoch: e.n }));
  return isBareRepo(dir) ? [{ key: `/${inbox}`, gitDir: dir }] : [];
}

/** The repository of one epoch (or of a v1 inbox, epoch undefined), if the inbox publishes it. */
export function publishedRepo(dataDir: string, inbox: string, epoch?: number): PublishedRepo | undefined {
  return publishedRepos(dataDir, inbox).find((r) => r.epoch === epoch);
}

/** What changes on disk whenever a repository's refs do (loose refs are renamed into refs/heads). */
function refsStamp(gitDir: string): string {
  const stamp = (p: string) => {
    try {
      const st = statSync(join(gitDir, p));
      return `${st.mtimeMs}:${st.size}`;
    } catch {
      return '-';
    }
  };
  return ['packed-refs', 'refs/heads', 'refs/heads/master', 'refs'].map(stamp).join(' ');
}

/** When the repository's refs last changed on disk, Unix seconds (0: never). */
export function refsChanged(gitDir: string): number {
  let newest = 0;
  for (const p of ['packed-refs', 'refs/heads', 'refs/heads/master']) {
    try {
      newest = Math.max(newest, Math.floor(statSync(join(gitDir, p)).mtimeMs / 1000));
    } catch {
      // not there: a repository with only packed (or no) refs
    }
  }
  return newest;
}

/** Manifest entries of repositories, kept until their refs change. */
export class ManifestEntries {
  private readonly cache = new Map<string, { stamp: string; entry?: Omit<ManifestEntry, 'description'> }>();

  /** The entry of a repository; undefined for one without commits (public-inbox leaves those out). */
  async entry(repo: PublishedRepo, inboxDescription: string): Promise<ManifestEntry | undefined> {
    const stamp = refsStamp(repo.gitDir);
    let hit = this.cache.get(repo.gitDir);
    if (hit?.stamp !== stamp) {
      hit = { stamp, entry: await computeEntry(repo.gitDir) };
      this.cache.set(repo.gitDir, hit);
    }
    if (!hit.entry) return undefined;
    const description = repo.epoch === undefined ? inboxDescription : `${inboxDescription} [epoch ${repo.epoch}]`;
    return { ...hit.entry, description };
  }
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** grokmirror's fingerprint of a repository: the SHA-1 of `git show-ref`. */
export async function fingerprint(gitDir: string): Promise<string> {
  return sha1((await runGit(gitDir, ['show-ref'])).stdout);
}

async function computeEntry(gitDir: string): Promise<Omit<ManifestEntry, 'description'> | undefined> {
  const refs = await runGit(gitDir, ['show-ref']);
  if (refs.code !== 0 || !refs.stdout.length) return undefined;
  const newest = await runGit(gitDir, [
    'for-each-ref',
    '--sort=-committerdate',
    '--format=%(committerdate:raw)',
    '--count=1',
  ]);
  return {
    fingerprint: sha1(refs.stdout),
    modified: Number(newest.stdout.toString().split(' ')[0]) || 0,
    owner: null,
    reference: null,
  };
}
