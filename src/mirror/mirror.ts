// `lorekeeper mirror`'s whole job against a live server: find the inbox's epochs, clone the new ones
// and fetch the known ones into the data directory, then ingest what they brought. From a lorekeeper
// writer it also takes over the state not in the mail (admin-repo.ts), so that the replica's store
// is the writer's.
import { ingest, type IngestSummary } from '../ingest/ingest.js';
import type { Progress } from '../ingest/progress.js';
import { INBOX_NAME } from '../store/writer.js';
import { EpochFeed } from './epoch-feed.js';
import { fetchEpochs, forget, settled, tidy, writeDescription, type Fetched } from './fetch-epochs.js';
import { ParsePool } from '../ingest/parse-pool.js';
import { inboxDir, openGitInbox } from './layout.js';
import { MirrorError, epochsInRange, findRemoteInbox, inboxFacts } from './manifest.js';
import { followAdmin } from './admin-repo.js';
import { refuseOwnEpochs } from './epoch-writer.js';
import { openDatabase } from '../store/open-database.js';
import { applyAdminState } from '../store/admin-state.js';

export interface MirrorOptions {
  dataDir: string;
  inbox: string;
  url: string;
  /** public-inbox-clone's --epoch RANGE; every epoch when undefined. */
  epochs?: string;
  address?: string;
  description?: string;
  resync?: boolean;
  jobs?: number;
  /** Let git show its transfers (on a terminal). */
  aloud?: boolean;
  progress?: (totalBytes: number) => Progress;
}

export interface MirrorSummary extends IngestSummary {
  /** Bytes the fetches added to the epochs' repositories. */
  fetchedBytes: number;
  /** Rewrites followed and resyncs, for the person running the command. */
  notes: string[];
}

export async function mirror(opts: MirrorOptions): Promise<MirrorSummary> {
  // the name becomes a directory: checked before anything is fetched
  if (!INBOX_NAME.test(opts.inbox))
    throw new MirrorError(`invalid inbox name ${JSON.stringify(opts.inbox)}: use letters, digits, '.', '_' and '-'`);
  const remote = await findRemoteInbox(opts.url);
  if (opts.epochs !== undefined && remote.version === 1)
    throw new MirrorError(`${remote.url} is a v1 inbox (one repository): --epochs does not apply`);
  const wanted =
    opts.epochs === undefined
      ? undefined
      : epochsInRange(
          opts.epochs,
          remote.epochs.map((e) => e.n),
        );
  // a lorekeeper writer says what it holds itself; a public-inbox server, through its config and description
  const slash = remote.url.lastIndexOf('/');
  const state = await followAdmin(opts.dataDir, remote.url.slice(0, slash));
  const writer = state?.inboxes.find((i) => i.name === remote.url.slice(slash + 1));
  const facts = writer
    ? { address: writer.address ?? undefined, description: writer.description ?? undefined }
    : opts.address === undefined || opts.description === undefined
      ? await inboxFacts(remote.url)
      : {};
  const address = opts.address ?? facts.address;
  const description = opts.description ?? facts.description;

  const dest = inboxDir(opts.dataDir, opts.inbox);
  // fetching would put the upstream history over the inbox's own
  await refuseOwnEpochs(opts.dataDir, opts.inbox);
  // one pool for every epoch (its workers start once the first 4 MiB are parsed: a follow-up with a
  // little new mail starts none); without a progress bar to size (which needs every epoch here
  // first), the ingest takes each epoch while the next ones clone
  const pool = new ParsePool(opts.jobs ?? 2);
  let fetched: Fetched | undefined;
  try {
    fetched = await fetchEpochs(remote, dest, wanted, !!opts.aloud, !opts.progress);
    const arriving = new Set(fetched.arriving.map((a) => a.n));
    let feed: EpochFeed;
    try {
      const here = await openGitInbox(dest);
      // (one that came meanwhile is still taken as arriving)
      here.epochs = here.epochs.filter((e) => !arriving.has(e.n));
      feed = new EpochFeed(here, {
        resync: opts.resync,
        upstream: writer ? writer.upstream : `${remote.url}/`,
        arriving: fetched.arriving,
      });
    } catch (err) {
      // what this run cloned is no inbox: it goes again, nothing half-written stays
      await settled(fetched);
      forget(fetched.created, dest);
      throw err;
    }
    if (description !== undefined) writeDescription(dest, description);
    const summary = await ingest({
      dataDir: opts.dataDir,
      inbox: opts.inbox,
      address,
      description,
      feeds: [feed],
      pool,
      progress: opts.progress,
    });
    await tidy(fetched.touched);
    if (state) {
      const db = openDatabase(opts.dataDir);
      try {
        applyAdminState(db, state);
      } finally {
        db.close();
      }
    }
    return { ...summary, fetchedBytes: fetched.bytes, notes: feed.notes };
  } finally {
    // a failed ingest leaves no clone running; the epochs it did not take are taken next time
    if (fetched) await settled(fetched);
    await pool.close();
  }
}
