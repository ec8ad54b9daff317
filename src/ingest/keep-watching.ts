// The loop of a command left running to take new mail as it comes: `lorekeeper mirror --watch` (a
// replica following its writer) and `lorekeeper ingest --spool --watch` (a writer taking a mail
// server's spool). Each look either finds work and does it (then the next look is at once: what
// came meanwhile does not wait a period) or finds none (then it waits a period, or less when told).
import { setTimeout as wait } from 'node:timers/promises';

/** Longest wait after failures, seconds: a writer down or a store full is looked at again at least this often. */
const MAX_BACKOFF = 60;

export interface KeepWatching {
  /** Seconds between looks when nothing happens. */
  every: number;
  /** One look: whether it found work and did it. */
  look: () => Promise<boolean>;
  /** Wait `seconds` before the next look; `failing`: after a failure (a back-off, not to be cut short). */
  pause?: (seconds: number, failing: boolean) => Promise<void>;
  /** What went wrong, for the person (or journal) watching; said once until it changes. */
  complain: (message: string) => void;
}

/** An error's reason for the journal: a failed fetch's cause (ECONNREFUSED, ...) rather than "fetch failed". */
export function reason(err: unknown): string {
  const e = err as (Error & { cause?: { code?: string; message?: string } }) | null | undefined;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

const sleep = (seconds: number) => wait(seconds * 1000);

/**
 * Look, and work, until the process is stopped. Until a first look has found work and done it, a
 * failure ends the watch (a wrong URL, a store that cannot be written: said at once, and a service
 * manager starts it again later); after that, failures are said and looked at again, less often.
 */
export async function keepWatching(opts: KeepWatching): Promise<never> {
  let worked = false;
  let failures = 0;
  let said = '';
  for (;;) {
    try {
      const did = await opts.look();
      worked ||= did;
      failures = 0;
      said = '';
      if (did) continue;
    } catch (err) {
      if (!worked) throw err;
      failures++;
      const message = reason(err);
      if (message !== said) opts.complain(message);
      said = message;
    }
    const failing = failures > 0;
    const seconds = failing ? Math.min(MAX_BACKOFF, opts.every * 2 ** Math.min(failures, 10)) : opts.every;
    await (opts.pause ?? sleep)(seconds, failing);
  }
}
