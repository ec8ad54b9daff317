// A replica kept current by one long-running `lorekeeper mirror --watch`: every few seconds one small
// GET asks whether the writer has anything new (its whole site's manifest, whose fingerprints move
// with the refs of every epoch and of the state repository: new mail, series links, new inboxes),
// and the writer is followed only when the manifest changed since the last run that succeeded. An
// idle replica then costs a request per period (answered without git) instead of a whole mirror
// run (about 0.45 s of CPU here), and new mail shows within a period plus the run that takes it.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

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
/** A poll that takes longer than this failed: the next one asks again. */
const POLL_TIMEOUT_MS = 10_000;

/** Where the writer stands: its manifest, hashed with the status it came with. */
async function writerStamp(root: string): Promise<string> {
  const res = await fetch(`${root}/manifest.js.gz`, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
  const body = Buffer.from(await res.arrayBuffer());
  return createHash('sha256').update(`${res.status}\n`).update(body).digest('hex');
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
    try {
      const stamp = await writerStamp(opts.root);
      // the stamp is taken before the run: whatever changes during it makes the next poll run again
      if (stamp !== done) {
        await opts.run();
        done = stamp;
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
    const wait = Math.min(MAX_BACKOFF, opts.every * 2 ** Math.min(failures, 10));
    await sleep(wait * 1000, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
