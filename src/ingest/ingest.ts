// The ingest pipeline: sources -> parse workers -> store, in arrival order, one transaction per batch.
import { openDatabase } from '../store/open-database.js';
import { StoreWriter } from '../store/writer.js';
import { resolveSources, readMessages } from './sources.js';
import { ParsePool } from './parse-pool.js';
import type { Processed } from './process-raw.js';
import type { MboxFormat } from '../mail/mboxrd.js';
import type { Progress } from './progress.js';

/** Messages per transaction: big enough for throughput, small enough that a kill loses little work. */
export const BATCH_MESSAGES = 1000;
/** Messages in flight to the workers: keeps both cores busy while bounding memory. */
const WINDOW = 512;

export interface IngestOptions {
  dataDir: string;
  inbox: string;
  address?: string;
  description?: string;
  sources: string[];
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
  seconds: number;
  /** How many messages were quarantined for each reason. */
  reasons: Record<string, number>;
}

export async function ingest(opts: IngestOptions): Promise<IngestSummary> {
  const started = process.hrtime.bigint();
  const sources = resolveSources(opts.sources);
  const db = openDatabase(opts.dataDir, { cacheMiB: 16 });
  const writer = new StoreWriter(db);
  const inbox = writer.ensureInbox(opts.inbox, opts.address, opts.description);
  const pool = new ParsePool(opts.jobs ?? 2);
  const progress = opts.progress?.(sources.reduce((n, s) => n + s.bytes, 0));
  const summary: IngestSummary = { read: 0, added: 0, duplicates: 0, quarantined: 0, seconds: 0, reasons: {} };
  let inBatch = 0;

  const store = (p: Processed) => {
    if (!inBatch) writer.begin();
    if (p.ok) {
      if (writer.add(inbox.id, p.message, p.rawData) === 'added') summary.added++;
      else summary.duplicates++;
    } else if (writer.quarantine(inbox.id, p, p.rawData) === 'added') {
      summary.quarantined++;
      summary.reasons[p.reason] = (summary.reasons[p.reason] ?? 0) + 1;
    } else summary.duplicates++;
    progress?.message();
    if (++inBatch >= BATCH_MESSAGES) {
      writer.commit();
      inBatch = 0;
    }
  };

  const queue: Promise<Processed>[] = [];
  try {
    for (const src of sources) {
      for await (const raw of readMessages(src, opts.format ?? 'mboxrd', (n) => progress?.bytes(n))) {
        summary.read++;
        queue.push(pool.submit(raw));
        if (queue.length >= WINDOW) store(await (queue.shift() as Promise<Processed>));
      }
    }
    while (queue.length) store(await (queue.shift() as Promise<Processed>));
    if (inBatch) writer.commit();
    writer.finish();
  } catch (err) {
    writer.rollback();
    throw err;
  } finally {
    progress?.stop();
    await pool.close();
    db.close();
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}
