// The ingest pipeline: sources -> parse workers -> store, in arrival order, one transaction per batch.
import { openDatabase, type Db } from '../store/open-database.js';
import { StoreWriter, type BodyHtml } from '../store/writer.js';
import { StoreReader } from '../store/reader.js';
import { BODY_HTML_VERSION } from '../html/body-html.js';
import { EpochTable } from '../store/epochs.js';
import { resolveSources, readMessages } from './sources.js';
import { ParsePool } from './parse-pool.js';
import type { Processed } from './process-raw.js';
import type { MboxFormat } from '../mail/mboxrd.js';
import type { Progress } from './progress.js';

/** Messages per transaction: big enough for throughput, small enough that a kill loses little work. */
export const BATCH_MESSAGES = 1000;
/** Messages in flight to the workers: keeps both cores busy while bounding memory. */
const WINDOW = 512;

/** One change to an inbox. Mail files only add; a git history also removes and edits. */
export type Change =
  | { kind: 'add'; raw: Buffer }
  /** An edited message in place of stored message `num` (same number, same thread). */
  | { kind: 'replace'; num: number; raw: Buffer }
  /** The stored message with exactly these bytes (their SHA-256) goes: removed upstream. */
  | { kind: 'remove'; sha256: Buffer }
  /** A message purged upstream before we saw it: its article number is taken all the same. */
  | { kind: 'purged' };

/** Changes stored in one transaction, never split by a batch: a single message, or a git commit. */
export interface Step {
  changes: Change[];
  /** Runs in the transaction that stores the changes: records how far a history was taken. */
  taken?: () => void;
}

/**
 * A source other than mail files (a public-inbox git history). `prepare` checks it against the
 * inbox as stored (undefined: not created yet) before anything is written; then its steps are read.
 */
export interface Feed {
  prepare(db: Db, inboxId: number | undefined): Promise<void>;
  /** Bytes its steps will deliver, for progress (asked only when a progress bar is drawn). */
  bytes(): Promise<number>;
  steps(inboxId: number): AsyncIterable<Step>;
}

export interface IngestOptions {
  dataDir: string;
  inbox: string;
  address?: string;
  description?: string;
  /** Mail files: mbox, mbox.gz, Maildir, .eml, or - for standard input. */
  sources?: string[];
  /** Read after the mail files. */
  feeds?: Feed[];
  format?: MboxFormat;
  /** Parse worker threads; 0 parses on the main thread. */
  jobs?: number;
  progress?: (totalBytes: number) => Progress;
}

export interface IngestSummary {
  read: number;
  added: number;
  duplicates: number;
  quarantined: number;
  /** Stored messages taken out because their history removed them. */
  removed: number;
  /** Stored messages replaced by an edited version. */
  edited: number;
  seconds: number;
  /** How many messages were quarantined for each reason. */
  reasons: Record<string, number>;
}

/** A change on its way to the store: messages are parsed meanwhile, a step's end carries its record. */
type Pending =
  | { change: Change & { kind: 'add' | 'replace' }; processed: Promise<Processed> }
  | { change: Change & { kind: 'remove' | 'purged' } }
  | { end: true; taken?: () => void };

const bodyOf = (p: Processed): BodyHtml | undefined =>
  p.ok && p.bodyHtml ? { version: BODY_HTML_VERSION, data: p.bodyHtml } : undefined;

/**
 * Render the bodies stored without one by this renderer: those of a store made before bodies were
 * rendered at ingest, or by an earlier renderer version. Pages render such bodies themselves until
 * then, so this only has to happen, not happen first. Parsed again by the workers from the raw bytes,
 * as a new message is.
 */
async function renderStaleBodies(db: Db, writer: StoreWriter, parse: ParsePool): Promise<void> {
  const reader = new StoreReader(db);
  for (let after = 0; ;) {
    const nums = writer.staleBodies(BODY_HTML_VERSION, after, BATCH_MESSAGES);
    if (!nums.length) return;
    const parsed = nums.map((num) => parse.submit(reader.raw(num)!));
    const bodies = await Promise.all(parsed);
    db.transaction(() => {
      nums.forEach((num, i) => {
        const body = bodyOf(bodies[i]);
        if (body) writer.setBodyHtml(num, body);
      });
    })();
    after = nums.at(-1)!;
  }
}

export async function ingest(opts: IngestOptions): Promise<IngestSummary> {
  const started = process.hrtime.bigint();
  const sources = resolveSources(opts.sources ?? [], !!opts.feeds?.length);
  const db = openDatabase(opts.dataDir, { cacheMiB: 16 });
  const summary: IngestSummary = {
    read: 0,
    added: 0,
    duplicates: 0,
    quarantined: 0,
    removed: 0,
    edited: 0,
    seconds: 0,
    reasons: {},
  };
  let pool: ParsePool | undefined;
  let progress: Progress | undefined;
  try {
    const writer = new StoreWriter(db);
    const stored = new EpochTable(db);
    for (const feed of opts.feeds ?? []) await feed.prepare(db, writer.findInbox(opts.inbox)?.id);
    const inbox = writer.ensureInbox(opts.inbox, opts.address, opts.description);
    pool = new ParsePool(opts.jobs ?? 2);
    const parse = pool;
    let total = sources.reduce((n, s) => n + s.bytes, 0);
    if (opts.progress) for (const f of opts.feeds ?? []) total += await f.bytes();
    const bar = opts.progress?.(total);
    progress = bar;
    let open = false;
    let inBatch = 0;

    /** A parsed message: added, counted as a duplicate, quarantined, or in place of an old version. */
    const apply = (change: Change & { kind: 'add' | 'replace' }, p: Processed) => {
      const body = bodyOf(p);
      if (change.kind === 'replace') {
        if (!p.ok) throw new Error(`the edited version of article ${change.num} cannot be analyzed: ${p.reason}`);
        writer.replace(change.num, p.message, p.rawData, body);
        summary.edited++;
        return;
      }
      if (p.ok) {
        if (writer.add(inbox.id, p.message, p.rawData, body) === 'added') summary.added++;
        else summary.duplicates++;
      } else if (writer.quarantine(inbox.id, p, p.rawData) === 'added') {
        summary.quarantined++;
        summary.reasons[p.reason] = (summary.reasons[p.reason] ?? 0) + 1;
      } else summary.duplicates++;
      bar?.message();
      inBatch++;
    };

    const store = async (entry: Pending) => {
      if (!open) {
        writer.begin();
        open = true;
      }
      if ('end' in entry) {
        entry.taken?.();
        if (inBatch >= BATCH_MESSAGES) {
          writer.commit();
          open = false;
          inBatch = 0;
        }
      } else if ('processed' in entry) apply(entry.change, await entry.processed);
      else if (entry.change.kind === 'purged') writer.passOver();
      else {
        // none stored (it was a duplicate, or never taken): nothing to do
        const num = stored.storedCopy(inbox.id, entry.change.sha256);
        if (num !== undefined) {
          writer.remove(num);
          summary.removed++;
        }
      }
    };

    const queue: Pending[] = [];
    /** Messages in the queue, submitted to the parsers. */
    let parsing = 0;
    const next = () => {
      const entry = queue.shift() as Pending;
      if ('processed' in entry) parsing--;
      return store(entry);
    };
    const enqueue = async (step: Step) => {
      for (const change of step.changes) {
        if (change.kind === 'add' || change.kind === 'replace') {
          if (change.kind === 'add') summary.read++;
          queue.push({ change, processed: parse.submit(change.raw) });
          parsing++;
        } else queue.push({ change });
      }
      queue.push({ end: true, taken: step.taken });
      while (parsing >= WINDOW) await next();
    };

    try {
      for (const src of sources) {
        for await (const raw of readMessages(src, opts.format ?? 'mboxrd', (n) => bar?.bytes(n))) {
          await enqueue({ changes: [{ kind: 'add', raw }] });
        }
      }
      for (const feed of opts.feeds ?? []) {
        for await (const step of feed.steps(inbox.id)) {
          for (const c of step.changes) if (c.kind === 'add' || c.kind === 'replace') bar?.bytes(c.raw.length);
          await enqueue(step);
        }
      }
      while (queue.length) await next();
      if (open) writer.commit();
      writer.finish();
      await renderStaleBodies(db, writer, parse);
    } catch (err) {
      writer.rollback();
      throw err;
    }
  } finally {
    progress?.stop();
    await pool?.close();
    db.close();
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}
