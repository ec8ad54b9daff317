// A public-inbox archive as a source for the ingest pipeline: the commits of each epoch after the
// last one taken, in commit order, epoch after epoch; each commit's changes stored in one
// transaction together with the commit, so a killed ingest resumes right after it. Epochs still
// being cloned are taken in their turn, once they are in place.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Db } from '../store/open-database.js';
import { EpochTable } from '../store/epochs.js';
import type { Change, Feed, InboxSpec, Step } from '../ingest/ingest.js';
import { objectContents, runGit } from './git.js';
import { bytesOf, commitsOf, messagesOf, type InboxVersion } from './history.js';
import { followRewrite } from './rewrite.js';
import { fetchEpochs, forget, type Arriving } from './fetch-epochs.js';
import { inboxDir, NotAnInboxError, openGitInbox, type Epoch, type GitInbox } from './layout.js';

export class RewrittenError extends Error {}

export interface Plan {
  epoch: Epoch & { tip: string };
  /** Revisions to take: the whole history, or what came after the last commit taken. */
  range: string[];
  /** A rewrite followed in place first: the changes, and the commit they bring the epoch to. */
  inPlace?: { changes: Change[]; counterpart: string; edited: number; purged: number };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/**
 * How to take an epoch from `last` (the commit taken last, if any) to `epoch.tip`: what came after
 * it, or after a rewrite followed in place. Undefined: nothing to take; a string: why the rewrite
 * cannot be followed.
 */
export async function planEpoch(
  epoch: Epoch & { tip: string },
  version: InboxVersion,
  last: string | undefined,
  table: EpochTable,
  inboxId: number | undefined,
): Promise<Plan | string | undefined> {
  if (last === undefined) return { epoch, range: [epoch.tip] };
  if (last === epoch.tip) return undefined;
  if ((await runGit(epoch.gitDir, ['merge-base', '--is-ancestor', last, epoch.tip])).code === 0)
    return { epoch, range: [`${last}..${epoch.tip}`] };
  const followed = await followRewrite(epoch, version, last, table, inboxId as number);
  if (!followed.ok) return followed.why;
  return { epoch, range: [`${followed.counterpart}..${epoch.tip}`], inPlace: followed };
}

/**
 * The steps that take a plan: the changes a rewrite made in place, then each commit's, each step
 * recording how far the epoch was taken. `inbox`: the inbox they go to, if not the ingest's own.
 */
export async function* planSteps(
  plan: Plan,
  version: InboxVersion,
  table: EpochTable,
  inbox?: InboxSpec,
): AsyncGenerator<Step> {
  const taken = (commit: string) => (inboxId: number) => table.setTip(inboxId, plan.epoch.n, commit);
  if (plan.inPlace) yield { inbox, changes: plan.inPlace.changes, taken: taken(plan.inPlace.counterpart) };
  for await (const c of messagesOf(plan.epoch.gitDir, version, plan.range)) {
    const changes = c.ops.map((op): Change => {
      if (op.kind === 'remove') return { kind: 'remove', sha256: sha256(op.data) };
      // an empty blob is a message public-inbox-purge took out before we saw it
      return op.data.length ? { kind: 'add', raw: op.data } : { kind: 'purged' };
    });
    yield { inbox, changes, taken: taken(c.commit) };
  }
}

/** What a person hears when a rewrite was followed in place. */
export const rewriteNote = (where: string, p: NonNullable<Plan['inPlace']>) =>
  `${where} was rewritten upstream (public-inbox-edit or -purge): ${p.edited} edited and ${p.purged} purged message(s) followed in place`;

/** What a person hears when rewrites cannot be followed. */
export const rewrittenError = (rewritten: string[]) =>
  new RewrittenError(
    `the history was rewritten upstream (a force-push?) and cannot be followed in place:\n  ${rewritten.join('\n  ')}\n` +
      'nothing was changed; run the same command with --resync to make the inbox hold exactly what the new history holds',
  );

export class EpochFeed implements Feed {
  private plans: Plan[] = [];
  /** Epochs still being cloned, taken in their turn among the plans (oldest first). */
  private later: Arriving[] = [];
  /** With --resync: what upstream no longer has, removed before every history is read again. */
  private resyncRemovals?: Change[];
  private table?: EpochTable;
  /** What a person should hear about: rewrites followed, resyncs. */
  readonly notes: string[] = [];

  constructor(
    private readonly inbox: GitInbox,
    /**
     * `upstream`: the URL the archive is mirrored from, recorded for the inbox (null: none, as the
     * writer a replica follows says). `arriving`: epochs of the inbox still being cloned, none of
     * them in `inbox.epochs`.
     */
    private readonly opts: { resync?: boolean; upstream?: string | null; arriving?: Arriving[] } = {},
  ) {}

  /** An epoch cloned in the background, once in place and checked as openGitInbox checks the others. */
  private async arrive(a: Arriving): Promise<Epoch> {
    await a.cloned;
    try {
      const lone = await openGitInbox(a.gitDir);
      if (lone.version !== this.inbox.version)
        throw new NotAnInboxError(`${this.inbox.label} mixes v1 and v2 layouts: a v1 inbox is one repository`);
      return { ...lone.epochs[0], n: a.n };
    } catch (err) {
      // what this run cloned is no epoch of the inbox: it goes again
      forget([a.gitDir], this.inbox.label);
      throw err;
    }
  }

  private where(e: Epoch): string {
    return this.inbox.version === 1 ? this.inbox.label : `${this.inbox.label} epoch ${e.n} (git/${e.n}.git)`;
  }

  async prepare(db: Db, inboxId: number | undefined): Promise<void> {
    const table = new EpochTable(db);
    this.table = table;
    const tips = inboxId === undefined ? new Map<number, string>() : table.tips(inboxId);
    const arriving = this.opts.arriving ?? [];
    if (this.opts.resync || arriving.some((a) => tips.has(a.n))) {
      // an epoch taken before (its repository gone since), or every history read again, is compared
      // with the store before anything is written: all of them must be here first
      for (const a of arriving) this.inbox.epochs.push(await this.arrive(a));
      this.inbox.epochs.sort((a, b) => a.n - b.n);
    } else this.later = [...arriving];
    const rewritten: string[] = [];
    for (const e of this.inbox.epochs) {
      if (!e.tip) continue;
      const last = this.opts.resync ? undefined : tips.get(e.n);
      const plan = await planEpoch({ ...e, tip: e.tip }, this.inbox.version, last, table, inboxId);
      if (typeof plan === 'string') rewritten.push(`${this.where(e)}: ${plan}`);
      else if (plan) {
        this.plans.push(plan);
        if (plan.inPlace) this.notes.push(rewriteNote(this.where(e), plan.inPlace));
      }
    }
    if (rewritten.length) throw rewrittenError(rewritten);
    if (this.opts.resync && inboxId !== undefined) this.resyncRemovals = await this.removedUpstream(table, inboxId);
  }

  /** Stored messages of the inbox that no epoch holds any more. */
  private async removedUpstream(table: EpochTable, inboxId: number): Promise<Change[]> {
    const held = new Set<string>();
    for (const e of this.inbox.epochs) {
      if (!e.tip) continue;
      // what each commit adds and removes, by blob: what is left at the tip is what upstream holds
      const count = new Map<string, number>();
      for await (const c of commitsOf(e.gitDir, this.inbox.version, [e.tip])) {
        for (const op of c.ops) count.set(op.oid, (count.get(op.oid) ?? 0) + (op.kind === 'add' ? 1 : -1));
      }
      const present = [...count].filter(([, n]) => n > 0).map(([oid]) => oid);
      for await (const data of objectContents(e.gitDir, present)) held.add(sha256(data).toString('hex'));
    }
    const gone = table.hashes(inboxId).filter((m) => !held.has(m.sha256.toString('hex')));
    this.notes.push(`--resync: ${gone.length} stored message(s) no longer upstream, every history read again`);
    return gone.map((m) => ({ kind: 'remove', sha256: m.sha256 }));
  }

  /**
   * An archive on disk elsewhere is copied where the data directory serves epochs from (git clone
   * --mirror: hard links on one file system), so that its commits are published with the inbox.
   */
  async publish(dataDir: string, inbox: string): Promise<void> {
    const dest = inboxDir(dataDir, inbox);
    if (resolve(this.inbox.label) === resolve(dest)) return;
    const epochs = this.inbox.epochs.map((e) => ({ n: e.n, url: resolve(e.gitDir) }));
    await fetchEpochs(
      { url: resolve(this.inbox.label), version: this.inbox.version, epochs, via: 'probe' },
      dest,
      undefined,
      false,
    );
  }

  async bytes(): Promise<number> {
    let total = 0;
    for (const p of this.plans) total += await bytesOf(p.epoch.gitDir, this.inbox.version, p.range);
    return total;
  }

  async *steps(): AsyncGenerator<Step> {
    const table = this.table as EpochTable;
    const { upstream } = this.opts;
    if (upstream !== undefined) yield { changes: [], taken: (id) => table.setUpstream(id, upstream) };
    if (this.resyncRemovals) yield { changes: this.resyncRemovals, taken: (id) => table.forget(id) };
    const later = [...this.later];
    for (const plan of this.plans) {
      while (later.length && later[0].n < plan.epoch.n) yield* this.arrivedSteps(later.shift() as Arriving, table);
      yield* planSteps(plan, this.inbox.version, table);
    }
    for (const a of later) yield* this.arrivedSteps(a, table);
  }

  /** The steps of an epoch cloned in the background, never taken before (prepare saw to that): its whole history. */
  private async *arrivedSteps(a: Arriving, table: EpochTable): AsyncGenerator<Step> {
    // what came before is stored while the clone may still run
    yield { changes: [], settle: true };
    const e = await this.arrive(a);
    if (e.tip) yield* planSteps({ epoch: { ...e, tip: e.tip }, range: [e.tip] }, this.inbox.version, table);
  }
}
