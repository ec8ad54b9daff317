// A mail server's Maildir spool taken into an inbox, as public-inbox-watch takes its Maildirs: the
// mail in SPOOL/new is ingested in arrival order (names sorted) and taken out of the spool once it is
// stored. A run first moves what it takes to SPOOL/.taking/new (rename(2) in one file system: a
// message is in one place or the other, never half moved); a run killed halfway leaves it there and
// the next run ingests it again first, before any newer mail (what was stored counts as
// duplicates): nothing is lost, nothing is stored twice, and the order stays the order of arrival.
// Watching, one process takes the spool again whenever mail lands in new/ (inotify through fs.watch,
// with a poll every period besides): it keeps its modules, its compiled code and its parse workers
// from one batch to the next, where a process per batch would load and warm them up every time.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestSummary } from './ingest.js';

const TAKING = '.taking';

/** Mail files of a Maildir directory, sorted: Maildir names begin with the time of delivery. */
async function mailIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
}

/**
 * One take of the spool: the mail a killed run left in .taking, or else everything in new/, given to
 * `ingest` as a Maildir and then deleted. Undefined when there was nothing to take.
 */
export async function takeSpool(
  spool: string,
  ingest: (maildir: string) => Promise<IngestSummary>,
): Promise<IngestSummary | undefined> {
  const taking = join(spool, TAKING);
  for (const d of [join(spool, 'new'), ...['new', 'cur', 'tmp'].map((s) => join(taking, s))])
    await mkdir(d, { recursive: true });
  let files = await mailIn(join(taking, 'new'));
  if (!files.length) {
    files = await mailIn(join(spool, 'new'));
    for (const f of files) await rename(join(spool, 'new', f), join(taking, 'new', f));
  }
  if (!files.length) return undefined;
  const summary = await ingest(taking);
  for (const f of files) await unlink(join(taking, 'new', f));
  return summary;
}

export interface SpoolWatch {
  spool: string;
  /** Seconds between looks at new/ when no change was heard. */
  every: number;
  /** One take (takeSpool with the ingest); undefined when the spool was empty. */
  take: () => Promise<IngestSummary | undefined>;
  /** What went wrong, for the journal; said once until it changes. */
  complain: (message: string) => void;
  /** Stops the loop between takes (tests); the command runs until it is killed. */
  signal?: AbortSignal;
}

/** Longest wait after failures, seconds. */
const MAX_BACKOFF = 60;
/**
 * How long mail that just began to land is left to finish landing, milliseconds: a mail server
 * delivering a burst (a series of 30 patches) gets one take for it rather than a take per message.
 */
const SETTLE_MS = 200;

/**
 * Take the spool whenever mail lands in it, until the signal stops it (never, for the command). Until
 * a first take succeeds a failure ends the watch (a data directory that cannot be written: said at
 * once, and a service manager restarts it later); after that, failures are said and the spool is
 * taken again, less often.
 */
export async function watchSpool(opts: SpoolWatch): Promise<void> {
  const newDir = join(opts.spool, 'new');
  await mkdir(newDir, { recursive: true });
  let changes = 0;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(newDir, () => {
      changes++;
      wake?.();
    });
    // (a file system without change events: the poll alone)
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  /** Until mail lands in new/ (then a moment for the rest of it), the period is over, or the signal. */
  const wait = (seconds: number, heed: boolean) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        opts.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, seconds * 1000);
      if (heed)
        wake = () => {
          wake = undefined;
          setTimeout(done, SETTLE_MS);
        };
      opts.signal?.addEventListener('abort', done);
    });
  let succeeded = false;
  let failures = 0;
  let said = '';
  try {
    while (!opts.signal?.aborted) {
      const seen = changes;
      try {
        const took = await opts.take();
        succeeded = true;
        failures = 0;
        said = '';
        // mail that arrived during a take is taken at once
        if (took) continue;
      } catch (err) {
        if (!succeeded) throw err;
        failures++;
        const message = (err as Error).message ?? String(err);
        if (message !== said) opts.complain(message);
        said = message;
      }
      if (failures) await wait(Math.min(MAX_BACKOFF, opts.every * 2 ** Math.min(failures, 10)), false);
      else if (changes === seen) await wait(opts.every, true);
    }
  } finally {
    watcher?.close();
  }
}
