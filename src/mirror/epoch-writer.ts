// An inbox's own epochs (mail ingested here) written as public-inbox writes them: one commit per
// stored message, in article order, the raw bytes as blob `m`, through one `git fast-import` per
// epoch, rolling to a new epoch at a size. Every write happens while the caller holds the store's
// write lock, and the commits a batch made are recorded in the batch's own transaction, so the
// store and the epochs agree whatever is killed when: a branch moved by a run killed before its
// store committed is put back by the next run (fast-import --force), and messages stored without
// commits (an older store, --no-epochs) are committed from the store first. Commits follow from the
// messages alone (epoch-commit.ts), so a rerun writes the commits an uninterrupted run writes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { epochCommit, type CommitFacts } from '../mail/epoch-commit.js';
import type { EpochTable } from '../store/epochs.js';
import { FastImport } from './fast-import.js';
import { gcAuto, git, runGit } from './git.js';
import { remoteUrls } from './remotes.js';
import { epochDirs, inboxDir } from './layout.js';

/** public-inbox's threshold: an epoch takes about 1 GiB packed, estimated at 40% of the raw bytes. */
export const DEFAULT_EPOCH_BYTES = Math.floor(2 ** 30 / 0.4);
const BRANCH = 'refs/heads/master';
/** Stored messages committed from the store at a time. */
const CATCH_UP_BATCH = 500;

export class EpochError extends Error {}

/** Whether a repository is a copy of another archive's (cloned or fetched, with a remote). */
export async function isCopy(gitDir: string): Promise<boolean> {
  return (await remoteUrls(gitDir)).size > 0;
}

/** Epochs of the inbox in the data directory that were written here (no remote), with their commits. */
export async function ownEpochs(dataDir: string, inbox: string): Promise<number[]> {
  const own: number[] = [];
  for (const e of epochDirs(inboxDir(dataDir, inbox))) {
    if (await isCopy(e.gitDir)) continue;
    if ((await runGit(e.gitDir, ['rev-parse', '-q', '--verify', BRANCH])).code === 0) own.push(e.n);
  }
  return own;
}

/** Another archive's history (mirrored, or copied from disk) never goes over epochs written here. */
export async function refuseOwnEpochs(dataDir: string, inbox: string): Promise<void> {
  if ((await ownEpochs(dataDir, inbox)).length)
    throw new EpochError(
      `inbox ${inbox} has epochs of its own (mail ingested here): a public-inbox archive goes into an inbox of its own`,
    );
}

/**
 * A bare repository for an epoch, configured as public-inbox configures its epochs. It is made
 * beside its place and moved there once configured, so that an epoch in place is ready: the run of
 * every arriving batch then runs no git to find that out.
 */
async function createEpoch(gitDir: string): Promise<void> {
  if (existsSync(join(gitDir, 'HEAD'))) return;
  const made = `${gitDir}.new`;
  rmSync(made, { recursive: true, force: true });
  mkdirSync(made, { recursive: true });
  await git(null, ['init', '-q', '--bare', made]);
  await git(made, ['symbolic-ref', 'HEAD', BRANCH]);
  // clones of a packed epoch then reuse its pack instead of counting every object
  await git(made, ['config', 'repack.writeBitmaps', 'true']);
  renameSync(made, gitDir);
}

/**
 * Whether the branch is at `commit` as its loose ref says (git's last update of it writes one; a
 * packed ref, or none, is not looked into: the caller then sets it with git).
 */
function branchIs(gitDir: string, commit: string): boolean {
  try {
    return readFileSync(join(gitDir, BRANCH), 'utf8').trim() === commit;
  } catch {
    return false;
  }
}

interface Current {
  n: number;
  gitDir: string;
  /** The branch's commit: an id, or the mark of a commit of this run; none for an empty epoch. */
  head?: string | number;
  /** Raw bytes of the messages it holds. */
  bytes: number;
  importer?: FastImport;
}

/** Where a writer of this process left an inbox's newest epoch, with the tips the store then recorded. */
interface LeftAt {
  tips: string;
  /** Raw bytes the newest epoch holds. */
  bytes: number;
  /** Article number of the last message committed. */
  last: number;
}

/**
 * Where the last writer of each inbox (data directory and name) in this process left it. A process
 * that ingests again and again (ingest --spool --watch) then begins each run where the last one
 * ended when the store's tips say that nobody else wrote since, instead of finding out as a new
 * process must: which messages the newest tips commit (git cat-file of each) and how many bytes the
 * newest epoch holds (a sum over its messages, 40 ms at 25,000 and growing with the epoch).
 */
const LEFT_AT = new Map<string, LeftAt>();

export class EpochWriter {
  private current?: Current;
  /** The tips the store recorded as this writer last saw them: when they change, someone else wrote. */
  private known = '';
  /** The inbox's newest article number then (all of it committed). */
  private knownLast = 0;
  /** Epochs whose new commits wait for the batch's checkpoint. */
  private written = new Set<number>();
  private readonly touched = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly inbox: string,
    private readonly inboxId: number,
    private readonly table: EpochTable,
    private readonly rollBytes = DEFAULT_EPOCH_BYTES,
  ) {}

  private dirOf(n: number): string {
    return join(inboxDir(this.dataDir, this.inbox), 'git', `${n}.git`);
  }

  /** Article number of the message a recorded commit adds (the last message of its epoch). */
  private async numOf(n: number, commit: string): Promise<number> {
    const r = await runGit(this.dirOf(n), ['cat-file', 'blob', `${commit}:m`]);
    if (r.code !== 0) throw new EpochError(`epoch ${this.dirOf(n)} lacks commit ${commit}, which the store records`);
    const num = this.table.storedCopy(this.inboxId, createHash('sha256').update(r.stdout).digest());
    if (num === undefined)
      throw new EpochError(`commit ${commit} of ${this.dirOf(n)} holds a message the store does not hold`);
    return num;
  }

  /**
   * At the start of each batch, holding the store's write lock: where the epochs stand as the store
   * records them, and commits for what the store holds beyond them.
   */
  async begin(): Promise<void> {
    const tips = this.table.tips(this.inboxId);
    const key = JSON.stringify([...tips]);
    if (key === this.known && this.current) return;
    this.abortImporter();
    const newest = tips.size ? Math.max(...tips.keys()) : 0;
    const tip = tips.get(newest);
    const left = LEFT_AT.get(this.leftAtKey);
    let last: number;
    if (left?.tips === key) {
      last = left.last;
      this.current = { n: newest, gitDir: this.dirOf(newest), head: tip, bytes: left.bytes };
    } else {
      last = tip === undefined ? 0 : await this.numOf(newest, tip);
      const prev = tips.get(newest - 1);
      const first = prev === undefined ? 0 : await this.numOf(newest - 1, prev);
      this.current = {
        n: newest,
        gitDir: this.dirOf(newest),
        head: tip,
        bytes: this.table.bytesAfter(this.inboxId, first),
      };
      this.current.bytes -= this.table.bytesAfter(this.inboxId, last);
    }
    // a killed run may have moved the newest epoch's branch past what the store records, and begun
    // epochs beyond it: they hold nothing the store holds
    for (const e of epochDirs(inboxDir(this.dataDir, this.inbox))) {
      if (e.n === newest && tip !== undefined) {
        if (!branchIs(e.gitDir, tip)) await git(e.gitDir, ['update-ref', BRANCH, tip]);
      } else if (e.n >= newest) await runGit(e.gitDir, ['update-ref', '-d', BRANCH]);
    }
    for (let after = last; ;) {
      const rows = this.table.messagesAfter(this.inboxId, after, CATCH_UP_BATCH);
      if (!rows.length) break;
      for (const row of rows) await this.add(row.raw, row);
      after = rows[rows.length - 1].num;
    }
    this.known = key;
  }

  /** Commit a message just stored (in article order). */
  async add(raw: Buffer, facts: CommitFacts): Promise<void> {
    let cur = this.current as Current;
    if (cur.head !== undefined && cur.bytes >= this.rollBytes) cur = await this.roll(cur);
    if (!cur.importer) {
      await createEpoch(cur.gitDir);
      cur.importer = new FastImport(cur.gitDir);
      this.touched.add(cur.gitDir);
    }
    const c = epochCommit(facts);
    const blob = await cur.importer.blob(raw);
    cur.head = await cur.importer.commit({ ref: BRANCH, blob, path: 'm', from: cur.head, ...c });
    cur.bytes += raw.length;
    this.written.add(cur.n);
  }

  /** The epoch is full: its last commit recorded, the next one begun. */
  private async roll(cur: Current): Promise<Current> {
    await this.record(cur);
    await cur.importer?.done();
    this.current = { n: cur.n + 1, gitDir: this.dirOf(cur.n + 1), bytes: 0 };
    return this.current;
  }

  /** Have git write the epoch's new commits, and record its tip in the open transaction. */
  private async record(cur: Current): Promise<void> {
    if (!this.written.has(cur.n) || typeof cur.head !== 'number' || !cur.importer) return;
    cur.head = await cur.importer.checkpoint(cur.head);
    this.table.setTip(this.inboxId, cur.n, cur.head);
    this.written.delete(cur.n);
  }

  /** Before the batch's transaction commits: its commits written, their tips recorded with it. */
  async checkpoint(): Promise<void> {
    if (this.current) await this.record(this.current);
    this.known = JSON.stringify([...this.table.tips(this.inboxId)]);
    // read with the write lock held: another ingest may store mail without commits (--no-epochs)
    // once it is released, and the next run must commit that mail
    this.knownLast = this.table.lastNum(this.inboxId);
  }

  /** After the last batch: git ends, and packs what many small runs left when it is time to. */
  async close(): Promise<void> {
    await this.current?.importer?.done();
    if (this.current) this.current.importer = undefined;
    for (const dir of this.touched) await gcAuto(dir);
    const cur = this.current;
    if (cur && typeof cur.head === 'string' && this.known) {
      LEFT_AT.set(this.leftAtKey, { tips: this.known, bytes: cur.bytes, last: this.knownLast });
    }
  }

  private get leftAtKey(): string {
    return `${this.dataDir}\0${this.inbox}`;
  }

  private abortImporter(): void {
    this.current?.importer?.abort();
    if (this.current) this.current.importer = undefined;
  }

  /** The batch was rolled back: what git took since the last checkpoint is forgotten. */
  abort(): void {
    LEFT_AT.delete(this.leftAtKey);
    this.abortImporter();
    this.current = undefined;
    this.written.clear();
    this.known = '';
  }
}
