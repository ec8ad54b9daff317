// `lorekeeper mirror` of a whole lorekeeper writer (its root URL, no --inbox), as a read replica
// follows it: every inbox it publishes, their epochs fetched, and their commits taken in the order
// the writer took them (its order log, in /_/admin.git), so that article numbers, threads and
// series ids are the writer's across inboxes, and the store's digest is the writer's.
import { existsSync } from 'node:fs';
import { ingest } from '../ingest/ingest.js';
import type { Feed, Step } from '../ingest/ingest.js';
import type { Progress } from '../ingest/progress.js';
import { openDatabase, storePath, type Db } from '../store/open-database.js';
import { EpochTable } from '../store/epochs.js';
import { applyAdminState, type InboxFacts } from '../store/admin-state.js';
import { StoreWriter } from '../store/writer.js';
import { followAdmin, type WriterState } from './admin-repo.js';
import { refuseOwnEpochs } from './epoch-writer.js';
import { planEpoch, planSteps, rewriteNote, rewrittenError, type Plan } from './epoch-feed.js';
import { fetchEpochs, forget, tidy } from './fetch-epochs.js';
import { runGit } from './git.js';
import { bytesOf } from './history.js';
import { inboxDir, openGitInbox, type GitInbox } from './layout.js';
import { MirrorError, httpUrl, inboxInManifest, readManifest } from './manifest.js';
import type { MirrorSummary } from './mirror.js';

export interface FollowOptions {
  dataDir: string;
  /** The writer's root: the URL its inboxes are under. */
  url: string;
  jobs?: number;
  aloud?: boolean;
  progress?: (totalBytes: number) => Progress;
}

/** How many stretches of the order log the replica took (0 without a store). */
function logLength(dataDir: string): number {
  if (!existsSync(storePath(dataDir))) return 0;
  const db = openDatabase(dataDir, { readonly: true });
  try {
    return new EpochTable(db).logLength();
  } finally {
    db.close();
  }
}

/**
 * The writer's order log from where the replica is, as ingest steps. A stretch whose history the
 * writer rewrote since (following an upstream public-inbox-edit or -purge) is followed in place
 * only as the first of a pass, while the store is as the stretches before left it; `more` then
 * says another pass is needed.
 */
class OrderFeed implements Feed {
  private readonly plans: { plan: Plan; inbox: GitInbox; name: string }[] = [];
  private table?: EpochTable;
  more = false;
  readonly notes: string[] = [];

  constructor(
    private readonly state: WriterState,
    private readonly inboxes: Map<string, GitInbox>,
  ) {}

  async prepare(db: Db): Promise<void> {
    const table = new EpochTable(db);
    this.table = table;
    const writer = new StoreWriter(db);
    const here = table.logFrom(this.state.logFrom)[0];
    const first = this.state.log[0];
    if (here && first && (here.inbox !== first.inbox || here.epoch !== first.epoch))
      throw new MirrorError(
        `this data directory took the writer's commits in another order (at stretch ${here.seq}: ${here.inbox} epoch ${here.epoch}, the writer ${first.inbox} epoch ${first.epoch}): mirror the writer into a new directory`,
      );
    /** Where each epoch stands: as stored, then as the stretches planned so far leave it. */
    const at = new Map<string, string | undefined>();
    const upstreamOf = new Map(this.state.inboxes.map((i) => [i.name, i.upstream]));
    for (const stretch of this.state.log) {
      const inbox = this.inboxes.get(stretch.inbox);
      const epoch = inbox?.epochs.find((e) => e.n === stretch.epoch);
      if (!inbox || !epoch)
        throw new MirrorError(`the writer's ${stretch.inbox} epoch ${stretch.epoch} was not fetched`);
      const key = `${stretch.inbox}:${stretch.epoch}`;
      const id = writer.findInbox(stretch.inbox)?.id;
      if (!at.has(key)) at.set(key, id === undefined ? undefined : table.tips(id).get(stretch.epoch));
      const last = at.get(key);
      if (last === stretch.tip) continue;
      // lorekeeper never rewrites the epochs it writes; a mirrored inbox's history may have been
      const known = (await runGit(epoch.gitDir, ['cat-file', '-e', `${stretch.tip}^{commit}`])).code === 0;
      if (!known) {
        this.notes.push(
          `${stretch.inbox} epoch ${stretch.epoch}: ${stretch.tip} was rewritten away by the writer; taken with what follows`,
        );
        continue;
      }
      const mayRewrite = upstreamOf.get(stretch.inbox) !== null;
      const target = { ...epoch, tip: stretch.tip };
      const plan =
        last === undefined || !mayRewrite
          ? { epoch: target, range: [last === undefined ? stretch.tip : `${last}..${stretch.tip}`] }
          : await planEpoch(target, inbox.version, last, table, id);
      if (plan === undefined) continue;
      if (typeof plan === 'string') throw rewrittenError([`${stretch.inbox} epoch ${stretch.epoch}: ${plan}`]);
      if (plan.inPlace && this.plans.length) {
        // followed in place on the next pass, with the store as the stretches before leave it
        this.more = true;
        break;
      }
      if (plan.inPlace) this.notes.push(rewriteNote(`${stretch.inbox} epoch ${stretch.epoch}`, plan.inPlace));
      this.plans.push({ plan, inbox, name: stretch.inbox });
      at.set(key, stretch.tip);
    }
  }

  async bytes(): Promise<number> {
    let total = 0;
    for (const { plan, inbox } of this.plans) total += await bytesOf(plan.epoch.gitDir, inbox.version, plan.range);
    return total;
  }

  async *steps(): AsyncGenerator<Step> {
    const table = this.table as EpochTable;
    for (const { plan, inbox, name } of this.plans) yield* planSteps(plan, inbox.version, table, { name });
  }
}

/** Each inbox as the writer says it is: made with its address and description, its upstream recorded. */
class FactsFeed implements Feed {
  private table?: EpochTable;
  constructor(private readonly facts: InboxFacts[]) {}
  async prepare(db: Db): Promise<void> {
    this.table = new EpochTable(db);
  }
  async bytes(): Promise<number> {
    return 0;
  }
  async *steps(): AsyncGenerator<Step> {
    const table = this.table as EpochTable;
    for (const f of this.facts) {
      const inbox = { name: f.name, address: f.address ?? undefined, description: f.description ?? undefined };
      yield { inbox, changes: [], taken: (id) => table.setUpstream(id, f.upstream) };
    }
  }
}

export async function followWriter(opts: FollowOptions): Promise<MirrorSummary> {
  httpUrl(opts.url);
  const root = opts.url.replace(/\/+$/, '');
  const state = await followAdmin(opts.dataDir, root, Math.max(1, logLength(opts.dataDir)));
  if (!state)
    throw new MirrorError(
      `${root}/ publishes no lorekeeper state (/_/admin.git): it is not a lorekeeper writer; mirror its inboxes one at a time with --inbox NAME ${root}/NAME/`,
    );
  for (const f of state.inboxes) await refuseOwnEpochs(opts.dataDir, f.name);
  const manifest = (await readManifest(root)) ?? {};
  let fetchedBytes = 0;
  const touched: string[] = [];
  const inboxes = new Map<string, GitInbox>();
  for (const f of state.inboxes) {
    const remote = inboxInManifest(manifest, `${root}/${f.name}`);
    if (!remote) continue;
    const dest = inboxDir(opts.dataDir, f.name);
    const fetched = await fetchEpochs(remote, dest, undefined, !!opts.aloud);
    fetchedBytes += fetched.bytes;
    touched.push(...fetched.touched);
    try {
      inboxes.set(f.name, await openGitInbox(dest));
    } catch (err) {
      forget(fetched.created, dest);
      throw err;
    }
  }
  const summary: MirrorSummary = {
    read: 0,
    added: 0,
    duplicates: 0,
    quarantined: 0,
    removed: 0,
    edited: 0,
    seconds: 0,
    reasons: {},
    fetchedBytes,
    notes: [],
  };
  for (let pass = 0; ; pass++) {
    // each pass takes the log from where the last one left the store
    const from = Math.max(state.logFrom, logLength(opts.dataDir));
    const order = new OrderFeed({ ...state, log: state.log.slice(from - state.logFrom), logFrom: from }, inboxes);
    const feeds: Feed[] = pass ? [order] : [new FactsFeed(state.inboxes), order];
    const s = await ingest({ dataDir: opts.dataDir, feeds, jobs: opts.jobs, progress: opts.progress });
    for (const k of ['read', 'added', 'duplicates', 'quarantined', 'removed', 'edited', 'seconds'] as const)
      summary[k] += s[k];
    for (const [reason, n] of Object.entries(s.reasons)) summary.reasons[reason] = (summary.reasons[reason] ?? 0) + n;
    summary.notes.push(...order.notes);
    if (!order.more) break;
  }
  await tidy(touched);
  const db = openDatabase(opts.dataDir);
  try {
    applyAdminState(db, state);
  } finally {
    db.close();
  }
  return summary;
}
