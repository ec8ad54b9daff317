// The writer's administrative repository (DATA/admin.git, served at /_/admin.git): the state that
// is not in the mail (store/admin-state.ts) as a snapshot in git, one commit per change, named for
// the command that made it. A replica's `lorekeeper mirror` fetches it with the epochs and takes the
// snapshot over, so its store equals the writer's; a copy fetched from a writer is never written to.
// What must stay on the writer (tokens, later) is never put in it.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AdminState, InboxFacts, SeriesLinkRow } from '../store/admin-state.js';
import { git, objectContents, runGit, gitSaid } from './git.js';
import { isBareRepo } from './layout.js';
import { isCopy } from './epoch-writer.js';
import { MirrorError } from './manifest.js';

export const ADMIN_REPO = 'admin.git';
export const adminRepoDir = (dataDir: string) => join(dataDir, ADMIN_REPO);

const BRANCH = 'refs/heads/master';
/** The snapshot's files: JSON lines, sorted, so that equal states are equal trees. */
const INBOXES = 'inboxes';
const SERIES_LINKS = 'series-links';

const lines = (rows: unknown[]) => Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''));

function encode(state: AdminState): [string, Buffer][] {
  const inboxes = state.inboxes.map((i) => [i.name, i.address, i.description, i.upstream]);
  const links = state.seriesLinks.map((l) => [l.aMid, l.bMid, l.linked]);
  return [
    [INBOXES, lines(inboxes)],
    [SERIES_LINKS, lines(links)],
  ];
}

const rows = (data: Buffer) =>
  data
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown[]);

function decode(inboxes: Buffer, links: Buffer): AdminState {
  return {
    inboxes: rows(inboxes).map(
      ([name, address, description, upstream]) => ({ name, address, description, upstream }) as InboxFacts,
    ),
    seriesLinks: rows(links).map(([aMid, bMid, linked]) => ({ aMid, bMid, linked }) as SeriesLinkRow),
  };
}

/** git's id of a blob with these bytes. */
const blobId = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

const IDENT = {
  GIT_AUTHOR_NAME: 'lorekeeper',
  GIT_AUTHOR_EMAIL: 'lorekeeper@localhost',
  GIT_COMMITTER_NAME: 'lorekeeper',
  GIT_COMMITTER_EMAIL: 'lorekeeper@localhost',
};

async function commitSnapshot(dir: string, files: [string, Buffer][], what: string): Promise<boolean> {
  const head = (await runGit(dir, ['rev-parse', '-q', '--verify', BRANCH])).stdout.toString().trim();
  if (head) {
    const now = await runGit(dir, ['rev-parse', ...files.map(([name]) => `${BRANCH}:${name}`)]);
    if (now.stdout.toString() === files.map(([, data]) => blobId(data) + '\n').join('')) return false;
  }
  for (const [, data] of files) await git(dir, ['hash-object', '-w', '--stdin'], { input: data });
  const listing = files.map(([name, data]) => `100644 blob ${blobId(data)}\t${name}\n`).join('');
  const tree = (await git(dir, ['mktree'], { input: Buffer.from(listing) })).trim();
  const parent = head ? ['-p', head] : [];
  const commit = (
    await git(dir, ['commit-tree', tree, ...parent], { input: Buffer.from(what + '\n'), env: IDENT })
  ).trim();
  // compare and swap: another command that changed the state meanwhile makes this one try again
  const r = await runGit(dir, ['update-ref', BRANCH, commit, head || '0'.repeat(40)]);
  return r.code === 0 ? true : commitSnapshot(dir, files, what);
}

/**
 * Publish the writer's state, if it changed, as a commit saying `what` did it. A data directory
 * whose administrative repository was fetched from a writer publishes nothing of its own.
 */
export async function publishState(dataDir: string, state: AdminState, what: string): Promise<boolean> {
  const dir = adminRepoDir(dataDir);
  if (isBareRepo(dir)) {
    if (await isCopy(dir)) return false;
  } else {
    await git(null, ['init', '-q', '--bare', dir]);
    await git(dir, ['symbolic-ref', 'HEAD', BRANCH]);
  }
  return commitSnapshot(dir, encode(state), what);
}

/**
 * The state of the lorekeeper writer at `root` (the URL its inboxes are under), fetched into the
 * data directory; undefined when the server publishes none (public-inbox, or another writer's
 * state is kept here already).
 */
export async function followAdmin(dataDir: string, root: string): Promise<AdminState | undefined> {
  const url = `${root}/_/${ADMIN_REPO}`;
  const dir = adminRepoDir(dataDir);
  if (isBareRepo(dir)) {
    const origin = (await runGit(dir, ['config', '--get', 'remote.origin.url'])).stdout.toString().trim();
    if (origin !== url) return undefined;
    const r = await runGit(dir, ['fetch', '-q', '--prune', url, '+refs/*:refs/*']);
    if (r.code !== 0) throw new MirrorError(`cannot fetch the writer's state from ${url}: ${gitSaid(r.stderr)}`);
  } else {
    const tmp = `${dir}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    if ((await runGit(null, ['clone', '-q', '--mirror', url, tmp])).code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      return undefined;
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  // a writer that has published nothing yet
  if ((await runGit(dir, ['rev-parse', '-q', '--verify', BRANCH])).code !== 0) return undefined;
  const got: Buffer[] = [];
  for await (const data of objectContents(dir, [`${BRANCH}:${INBOXES}`, `${BRANCH}:${SERIES_LINKS}`])) got.push(data);
  return decode(got[0], got[1]);
}
