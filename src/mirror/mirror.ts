// `lorekeeper mirror`'s whole job against a live server: find the inbox's epochs, clone the new ones
// and fetch the known ones into the data directory, then ingest what they brought.
import { ingest, type IngestSummary } from '../ingest/ingest.js';
import type { Progress } from '../ingest/progress.js';
import { INBOX_NAME } from '../store/writer.js';
import { EpochFeed } from './epoch-feed.js';
import { fetchEpochs, forget, inboxDir, tidy, writeDescription } from './fetch-epochs.js';
import { openGitInbox } from './layout.js';
import { MirrorError, epochsInRange, findRemoteInbox, inboxFacts } from './manifest.js';

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
  const facts = opts.address === undefined || opts.description === undefined ? await inboxFacts(remote.url) : {};
  const address = opts.address ?? facts.address;
  const description = opts.description ?? facts.description;

  const dest = inboxDir(opts.dataDir, opts.inbox);
  const fetched = await fetchEpochs(remote, dest, wanted, !!opts.aloud);
  let feed: EpochFeed;
  try {
    feed = new EpochFeed(await openGitInbox(dest), { resync: opts.resync, upstream: `${remote.url}/` });
  } catch (err) {
    // what this run cloned is no inbox: it goes again, nothing half-written stays
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
    jobs: opts.jobs,
    progress: opts.progress,
  });
  await tidy(fetched.touched);
  return { ...summary, fetchedBytes: fetched.bytes, notes: feed.notes };
}
