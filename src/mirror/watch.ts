// A replica kept current by one long-running `lorekeeper mirror --watch`: every few seconds one small
// GET asks whether the writer has anything new: its whole site's manifest, which lists the writer's
// state repository, whose fingerprint moves whenever there is something to take (the writer
// publishes its order log there after each ingest, and its series links and inboxes). The writer is
// followed only when that fingerprint changed since the last run that succeeded: an idle replica
// costs a request per period (answered without git) instead of a whole mirror run (about 0.45 s of
// CPU here), an ingest half done (its epochs moved, its order not yet published) costs nothing, and
// new mail shows within a period plus the run that takes it.
import { ADMIN_REPO } from './admin-repo.js';
import { readManifest } from './manifest.js';
import { keepWatching } from '../ingest/keep-watching.js';

export interface WatchOptions {
  /** The writer's root URL, without a trailing slash. */
  root: string;
  /** Seconds between polls. */
  every: number;
  /** One follow-up of the writer. */
  run: () => Promise<void>;
  /** What went wrong, for the person (or journal) watching; said once until it changes. */
  complain: (message: string) => void;
}

/** Where the writer stands: its state repository's fingerprint (a writer of old: its whole manifest). */
async function writerStamp(root: string): Promise<string> {
  const manifest = await readManifest(root);
  const admin = manifest?.[`/_/${ADMIN_REPO}`]?.fingerprint;
  return typeof admin === 'string' ? admin : JSON.stringify(manifest ?? null);
}

/**
 * Poll and follow until the process is stopped; a failure before the first run that succeeded ends
 * it (keep-watching.ts).
 */
export async function watchWriter(opts: WatchOptions): Promise<never> {
  let done = '';
  return keepWatching({
    every: opts.every,
    complain: opts.complain,
    look: async () => {
      const stamp = await writerStamp(opts.root);
      if (stamp === done) return false;
      // the stamp is taken before the run: whatever changes during it makes the next poll run again
      await opts.run();
      done = stamp;
      return true;
    },
  });
}
