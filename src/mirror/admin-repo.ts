// The writer's administrative repository (DATA/admin.git, served at /_/admin.git): what a replica
// needs besides the epochs to hold the writer's store, in git. The state that is not in the mail
// (store/admin-state.ts) as whole files, and the order in which the writer took its epochs' commits
// across inboxes (the epoch_log table), in shards of 1,000 stretches of which only the last ones
// change. One commit per change, named for the command that made it. A replica's `lorekeeper mirror`
// fetches it; a copy fetched from a writer is never written to. What must stay on the writer
// (tokens, later) is never put in it.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/open-database.js';
import {
  readAdminState,
  type AdminState,
  type AppliedRecord,
  type CheckRecord,
  type StateChangeRecord,
  type InboxFacts,
  type PatchStateRecord,
  type SeriesLinkRow,
} from '../store/admin-state.js';
import { EpochTable, type LogRow } from '../store/epochs.js';
import { git, objectContents, runGit, gitSaid } from './git.js';
import { isBareRepo } from './layout.js';
import { isCopy } from './epoch-writer.js';
import { remoteUrls } from './remotes.js';
import { MirrorError } from './manifest.js';

export const ADMIN_REPO = 'admin.git';
export const adminRepoDir = (dataDir: string) => join(dataDir, ADMIN_REPO);

const BRANCH = 'refs/heads/master';
/** The files: JSON lines, in a fixed order, so that equal states are equal trees. */
const INBOXES = 'inboxes';
const SERIES_LINKS = 'series-links';
const PATCH_STATES = 'patch-states';
const APPLIED = 'applied';
const API_USERS = 'api-users';
const CHECKS = 'checks';
const STATE_CHANGES = 'state-changes';
const SHARD = 1000;
const shardPath = (k: number) => `order/${String(k).padStart(6, '0')}`;
/** The shard holding stretch `seq` (1, 2, ...). */
const shardOf = (seq: number) => Math.floor((seq - 1) / SHARD);

const lines = (rows: unknown[]) => Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''));
const rows = (data: Buffer) =>
  data
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown[]);

/** git's id of a blob with these bytes. */
const blobId = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

/**
 * What the repository holds at these paths of the branch (blob ids, undefined where nothing is), and
 * the branch's commit (undefined before the first): one git process for both.
 */
async function idsAt(dir: string, paths: string[]): Promise<{ ids: (string | undefined)[]; head?: string }> {
  const r = await runGit(dir, ['cat-file', '--batch-check'], {
    input: Buffer.from([BRANCH, ...paths.map((p) => `${BRANCH}:${p}`)].join('\n') + '\n'),
  });
  const lines = r.stdout.toString().split('\n');
  const id = (l: string, type: string) => (new RegExp(`^[0-9a-f]{40} ${type} `).test(l) ? l.slice(0, 40) : undefined);
  return { head: id(lines[0], 'commit'), ids: lines.slice(1, paths.length + 1).map((l) => id(l, 'blob')) };
}

/**
 * The files of the writer's state that differ from the branch (the small ones, and the order log's
 * last shards), and the branch's commit they differ from.
 */
async function changedFiles(dir: string, db: Db): Promise<{ changed: [string, Buffer][]; head?: string }> {
  const state = readAdminState(db);
  const files: [string, Buffer][] = [
    [INBOXES, lines(state.inboxes.map((i) => [i.name, i.address, i.description, i.upstream]))],
    [SERIES_LINKS, lines(state.seriesLinks.map((l) => [l.aMid, l.bMid, l.linked]))],
    [PATCH_STATES, lines(state.patchStates.map((p) => [p.num, p.mid, p.state, p.setBy, p.setAt]))],
    [APPLIED, lines(state.applied.map((a) => [a.num, a.mid, a.repo, a.branch, a.commit, a.how]))],
    [API_USERS, lines(state.apiUsers.map((u) => [u.id, u.name]))],
    [
      CHECKS,
      lines(
        state.checks.map((c) => [c.id, c.num, c.mid, c.userId, c.state, c.context, c.targetUrl, c.description, c.date]),
      ),
    ],
    [
      STATE_CHANGES,
      lines(state.stateChanges.map((c) => [c.id, c.num, c.mid, c.previous, c.current, c.userId, c.date])),
    ],
  ];
  const log = new EpochTable(db);
  const shard = (k: number): [string, Buffer] => {
    const stretches = log.logFrom(k * SHARD + 1).filter((r) => r.seq <= (k + 1) * SHARD);
    return [shardPath(k), lines(stretches.map((r) => [r.inbox, r.epoch, r.tip]))];
  };
  const last = shardOf(log.logLength());
  if (last >= 0) files.push(shard(last));
  const { ids, head } = await idsAt(
    dir,
    files.map(([p]) => p),
  );
  const changed = files.filter(([, data], i) => ids[i] !== blobId(data));
  // shards only ever grow: look back from the last one until one is as published
  for (let k = last - 1; k >= 0 && changed.some(([p]) => p === shardPath(k + 1)); k--) {
    const [path, data] = shard(k);
    if ((await idsAt(dir, [path])).ids[0] !== blobId(data)) changed.push([path, data]);
  }
  return { changed, head };
}

/**
 * Publish the writer's state, if it changed, as a commit saying `what` did it; true when it did. A
 * data directory whose administrative repository was fetched from a writer publishes nothing.
 */
export async function publishState(dataDir: string, db: Db, what: string): Promise<boolean> {
  const dir = adminRepoDir(dataDir);
  if (isBareRepo(dir)) {
    if (await isCopy(dir)) return false;
  } else {
    await git(null, ['init', '-q', '--bare', dir]);
    await git(dir, ['symbolic-ref', 'HEAD', BRANCH]);
  }
  for (let attempt = 0; ; attempt++) {
    const { changed: files, head } = await changedFiles(dir, db);
    if (!files.length) return false;
    const message = Buffer.from(what + '\n');
    const stream = [
      Buffer.from(
        `commit ${BRANCH}\ncommitter lorekeeper <lorekeeper@localhost> ${Math.floor(Date.now() / 1000)} +0000\n`,
      ),
      Buffer.from(`data ${message.length}\n`),
      message,
      Buffer.from(head ? `from ${head}\n` : ''),
      ...files.flatMap(([path, data]) => [
        Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`),
        data,
        Buffer.from('\n'),
      ]),
      Buffer.from('\n'),
    ];
    // without --force git moves the branch only from where this commit starts: another command
    // that published meanwhile makes this one look again
    const r = await runGit(dir, ['fast-import', '--quiet'], { input: Buffer.concat(stream) });
    if (r.code === 0) return true;
    if (attempt >= 5) throw new MirrorError(`cannot publish the state in ${dir}: ${gitSaid(r.stderr)}`);
  }
}

/**
 * The writer whose state the data directory keeps (the root URL its administrative repository was
 * fetched from): a read replica's; undefined for a writer, whose own state it is.
 */
export async function writerOf(dataDir: string): Promise<string | undefined> {
  const dir = adminRepoDir(dataDir);
  if (!isBareRepo(dir)) return undefined;
  const url = (await remoteUrls(dir)).get('origin');
  return url ? url.slice(0, url.length - `/_/${ADMIN_REPO}`.length) : undefined;
}

/** What a replica takes from its writer: the state, and the order log's stretches from some on. */
export interface WriterState extends AdminState {
  log: Omit<LogRow, 'seq'>[];
  /** The seq of the first stretch of `log`. */
  logFrom: number;
}

/**
 * The state of the lorekeeper writer at `root` (the URL its inboxes are under), fetched into the
 * data directory, with the order log from stretch `logFrom` on; undefined when the server publishes
 * none (public-inbox, or another writer's state is kept here already).
 */
export async function followAdmin(dataDir: string, root: string, logFrom = 1): Promise<WriterState | undefined> {
  const url = `${root}/_/${ADMIN_REPO}`;
  const dir = adminRepoDir(dataDir);
  if (isBareRepo(dir)) {
    const origin = (await remoteUrls(dir)).get('origin');
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
  const shards = (await git(dir, ['ls-tree', '--name-only', `${BRANCH}:order`]).catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((k) => k >= shardOf(logFrom));
  // a file a writer of an earlier release did not publish is empty
  const top = new Set((await git(dir, ['ls-tree', '--name-only', BRANCH])).split('\n'));
  const files = [INBOXES, SERIES_LINKS, PATCH_STATES, APPLIED, API_USERS, CHECKS, STATE_CHANGES].filter((f) =>
    top.has(f),
  );
  const paths = [...files, ...shards.map(shardPath)];
  const got: Buffer[] = [];
  for await (const data of objectContents(
    dir,
    paths.map((p) => `${BRANCH}:${p}`),
  ))
    got.push(data);
  const file = (name: string) => {
    const i = files.indexOf(name);
    return i < 0 ? [] : rows(got[i]);
  };
  const order = got.slice(files.length);
  const first = shards.length ? shards[0] * SHARD + 1 : logFrom;
  const log = order.flatMap(rows).map(([inbox, epoch, tip]) => ({ inbox, epoch, tip }) as Omit<LogRow, 'seq'>);
  return {
    inboxes: file(INBOXES).map(
      ([name, address, description, upstream]) => ({ name, address, description, upstream }) as InboxFacts,
    ),
    seriesLinks: file(SERIES_LINKS).map(([aMid, bMid, linked]) => ({ aMid, bMid, linked }) as SeriesLinkRow),
    patchStates: file(PATCH_STATES).map(
      ([num, mid, state, setBy, setAt]) => ({ num, mid, state, setBy, setAt }) as PatchStateRecord,
    ),
    applied: file(APPLIED).map(
      ([num, mid, repo, branch, commit, how]) => ({ num, mid, repo, branch, commit, how }) as AppliedRecord,
    ),
    apiUsers: file(API_USERS).map(([id, name]) => ({ id, name }) as { id: number; name: string }),
    checks: file(CHECKS).map(
      ([id, num, mid, userId, state, context, targetUrl, description, date]) =>
        ({ id, num, mid, userId, state, context, targetUrl, description, date }) as CheckRecord,
    ),
    stateChanges: file(STATE_CHANGES).map(
      ([id, num, mid, previous, current, userId, date]) =>
        ({ id, num, mid, previous, current, userId, date }) as StateChangeRecord,
    ),
    log: log.slice(Math.max(0, logFrom - first)),
    logFrom: Math.max(logFrom, first),
  };
}
