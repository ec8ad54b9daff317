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
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestSummary } from './ingest.js';
import { keepWatching, reason } from './keep-watching.js';

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
    for (const f of files)
      await rename(join(spool, 'new', f), join(taking, 'new', f)).catch((err: NodeJS.ErrnoException) => {
        // another taker of the spool (started by hand beside the service) moved it first
        if (err.code !== 'ENOENT') throw err;
      });
  }
  if (!files.length) return undefined;
  const summary = await ingest(taking);
  // (force: another taker may have taken them too; what it stored again counted as duplicates)
  for (const f of files) await rm(join(taking, 'new', f), { force: true });
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
}

/**
 * How long mail that just began to land is left to finish landing, milliseconds: a mail server
 * delivering a burst (a series of 30 patches) gets one take for it rather than a take per message.
 */
const SETTLE_MS = 200;

/**
 * Take the spool whenever mail lands in it, until the process is stopped; a failure before the first
 * take that stored mail ends it (keep-watching.ts).
 */
export async function watchSpool(opts: SpoolWatch): Promise<never> {
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
    watcher.on('error', (err) => {
      opts.complain(`${newDir}: ${reason(err)}: looking every ${opts.every} s instead`);
      watcher?.close();
    });
  } catch (err) {
    // (a file system without change events: the period alone)
    opts.complain(`${newDir}: ${reason(err)}: looking every ${opts.every} s instead`);
  }
  /** Until the period is over or, `heed`ing new/, a moment after mail began to land in it. */
  const wait = (seconds: number, heed: boolean) =>
    new Promise<void>((resolve) => {
      let settle: NodeJS.Timeout | undefined;
      const landed = () => {
        wake = undefined;
        settle = setTimeout(done, SETTLE_MS);
      };
      const done = () => {
        clearTimeout(timer);
        clearTimeout(settle);
        if (wake === landed) wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, seconds * 1000);
      if (heed) wake = landed;
    });
  let seen = 0;
  try {
    return await keepWatching({
      every: opts.every,
      complain: opts.complain,
      look: async () => {
        seen = changes;
        return (await opts.take()) !== undefined;
      },
      // mail that landed during an empty take is taken at once
      pause: async (seconds, failing) => {
        if (failing || changes === seen) await wait(seconds, !failing);
      },
    });
  } finally {
    watcher?.close();
  }
}
