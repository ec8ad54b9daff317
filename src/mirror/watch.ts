// A replica kept current by one long-running `lorekeeper mirror --watch`: every few seconds one small
// GET asks whether the writer has anything new: its whole site's manifest, which lists the writer's
// state repository, whose fingerprint moves whenever there is something to take (the writer
// publishes its order log there after each ingest, and its series links and inboxes). The writer is
// followed only when that fingerprint changed since the last run that succeeded: an idle replica
// costs a request per period (answered without git) instead of a whole mirror run (about 0.45 s of
// CPU here), an ingest half done (its epochs moved, its order not yet published) costs nothing, and
// new mail shows within a period plus the run that takes it.
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_REPO } from './admin-repo.js';
import { readManifest } from './manifest.js';

export interface WatchOptions {
  /** The writer's root URL, without a trailing slash. */
  root: string;
  /** Seconds between polls. */
  every: number;
  /** One follow-up of the writer. */
  run: () => Promise<void>;
  /** What went wrong, for the person (or journal) watching; said once until it changes. */
  complain: (message: string) => void;
  /** Stops the loop between polls (tests); the command runs until it is killed. */
  signal?: AbortSignal;
}

/** Longest wait after failures, seconds: a writer that is down is asked again at least this often. */
const MAX_BACKOFF = 60;
/** Where the writer stands: its state repository's fingerprint (a writer of old: its whole manifest). */
async function writerStamp(root: string): Promise<string> {
  const manifest = await readManifest(root);
  const admin = manifest?.[`/_/${ADMIN_REPO}`]?.fingerprint;
  return typeof admin === 'string' ? admin : JSON.stringify(manifest ?? null);
}

const reason = (err: unknown) => {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
};

/**
 * Poll and follow until the signal stops it (never, for the command). Until a first run succeeds a
 * failure ends the watch (a wrong URL, a server that is no writer: said at once, and a service
 * manager restarts it later); after that, failures are said and the writer asked again, less often.
 */
export async function watchWriter(opts: WatchOptions): Promise<void> {
  let done = '';
  let failures = 0;
  let said = '';
  while (!opts.signal?.aborted) {
    let ran = false;
    try {
      const stamp = await writerStamp(opts.root);
      // the stamp is taken before the run: whatever changes during it makes the next poll run again
      if (stamp !== done) {
        await opts.run();
        done = stamp;
        ran = true;
      }
      failures = 0;
      said = '';
    } catch (err) {
      if (!done) throw err;
      failures++;
      const message = reason(err);
      if (message !== said) opts.complain(message);
      said = message;
    }
    // mail that arrived during a run is asked for at once, not a period later
    if (ran) continue;
    const wait = Math.min(MAX_BACKOFF, opts.every * 2 ** Math.min(failures, 10));
    await sleep(wait * 1000, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
