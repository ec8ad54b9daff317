// The ingest pipeline: sources -> parse workers -> store, in arrival order, one transaction per batch.
import { openDatabase, type Db } from '../store/open-database.js';
import { INBOX_NAME, StoreWriter, type BodyHtml } from '../store/writer.js';
import { StoreReader } from '../store/reader.js';
import { BODY_HTML_VERSION } from '../html/body-html.js';
import { EpochTable } from '../store/epochs.js';
import { EpochWriter, isCopy, refuseOwnEpochs } from '../mirror/epoch-writer.js';
import { epochDirs, inboxDir } from '../mirror/layout.js';
import { publishState, writerOf } from '../mirror/admin-repo.js';
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

/** An inbox a step's changes go to, made on first use with its address and description. */
export interface InboxSpec {
  name: string;
  address?: string;
  description?: string;
}

/** Changes stored in one transaction, never split by a batch: a single message, or a git commit. */
export interface Step {
  changes: Change[];
  /** The inbox they go to, when not the ingest's own (a whole writer followed, inbox after inbox). */
  inbox?: InboxSpec;
  /** Runs in the transaction that stores the changes: records how far a history was taken. */
  taken?: (inboxId: number) => void;
  /**
   * Everything before it is stored and committed before the next step is asked for: the feed may
   * wait long for it (an epoch still cloning), and holds no write lock nor unsaved work meanwhile.
   */
  settle?: boolean;
}

/**
 * A source other than mail files (a public-inbox git history). `prepare` checks it against the
 * inbox as stored (undefined: not created yet) before anything is written; then its steps are read.
 */
export interface Feed {
  prepare(db: Db, inboxId: number | undefined): Promise<void>;
  /** Bytes its steps will deliver, for progress (asked only when a progress bar is drawn). */
  bytes(): Promise<number>;
  /** Its steps, for the ingest's inbox (undefined: every step names its inbox). */
  steps(inboxId: number | undefined): AsyncIterable<Step>;
  /** After a successful ingest: make the history the inbox was taken from the one the data directory serves. */
  publish?(dataDir: string, inbox: string): Promise<void>;
}

export interface IngestOptions {
  dataDir: string;
  /** The inbox mail files and feeds go to; undefined only for feeds whose steps name their inboxes. */
  inbox?: string;
  address?: string;
  description?: string;
  /** Mail files: mbox, mbox.gz, Maildir, .eml, or - for standard input. */
  sources?: string[];
  /** Read after the mail files. */
  feeds?: Feed[];
  format?: MboxFormat;
  /** Parse worker threads; 0 parses on the main thread. */
  jobs?: number;
  /**
   * Parse workers the caller keeps from one ingest to the next (a watching replica: starting two
   * takes about 0.3 s of CPU, more than parsing a run of new mail); without it the ingest starts
   * `jobs` of its own and stops them at its end.
   */
  pool?: ParsePool;
  /**
   * The inbox's own epochs for mail files: false writes none (a later ingest commits what is missing
   * from the store); `rollBytes`, raw bytes after which a new epoch begins.
   */
  epochs?: false | { rollBytes?: number };
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
  | { inboxId: number; change: Change & { kind: 'add' | 'replace' }; processed: Promise<Processed> }
  | { inboxId: number; change: Change & { kind: 'remove' | 'purged' } }
  | { inboxId: number; end: true; taken?: (inboxId: number) => void };

export class MixedSourcesError extends Error {}

/**
 * Mail files add to an inbox's own epochs, a public-inbox archive brings its own: one inbox never
 * has both. Checked before anything is written.
 */
async function checkOrigin(db: Db, dataDir: string, inbox: string, mail: boolean, git: boolean): Promise<void> {
  if (mail && git)
    throw new MixedSourcesError('mail files and a public-inbox archive cannot be ingested into one inbox together');
  if (!INBOX_NAME.test(inbox))
    throw new Error(`invalid inbox name ${JSON.stringify(inbox)}: use letters, digits, '.', '_' and '-'`);
  const found = new StoreWriter(db).findInbox(inbox);
  if (mail) {
    const writer = await writerOf(dataDir);
    if (writer)
      throw new MixedSourcesError(
        `${dataDir} is a read replica of ${writer}/: its mail comes from there; ingest on the writer`,
      );
    const upstream = found && new EpochTable(db).upstream(found.id);
    if (upstream)
      throw new MixedSourcesError(
        `inbox ${inbox} mirrors ${upstream}: its mail comes from there (lorekeeper mirror); ingest mail into another inbox`,
      );
    const newest = epochDirs(inboxDir(dataDir, inbox)).at(-1);
    if (newest && (await isCopy(newest.gitDir)))
      throw new MixedSourcesError(
        `inbox ${inbox} holds a copy of a public-inbox archive's history (${newest.gitDir}): ingest mail into another inbox`,
      );
  }
  if (git) await refuseOwnEpochs(dataDir, inbox);
}

const bodyOf = (p: Processed): BodyHtml | undefined =>
  p.ok && p.bodyHtml ? { version: BODY_HTML_VERSION, data: p.bodyHtml } : undefined;

/**
 * Render the bodies stored without one by this renderer: those of a store made before bodies were
 * rendered at ingest, or by an earlier renderer version. Pages render such bodies themselves until
 * then, so this only has to happen, not happen first. Parsed again by the workers from the raw bytes,
 * as a new message is.
 */
async function renderStaleBodies(db: Db, writer: StoreWriter, parse: ParsePool): Promise<void> {
  if (writer.bodiesRendered() === BODY_HTML_VERSION) return;
  const reader = new StoreReader(db);
  for (let after = 0; ;) {
    const nums = writer.staleBodies(BODY_HTML_VERSION, after, BATCH_MESSAGES);
    if (!nums.length) {
      writer.setBodiesRendered(BODY_HTML_VERSION);
      return;
    }
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

/** A summary of nothing yet: an ingest's start, or the sum of several. */
export const emptySummary = (): IngestSummary => ({
  read: 0,
  added: 0,
  duplicates: 0,
  quarantined: 0,
  removed: 0,
  edited: 0,
  seconds: 0,
  reasons: {},
});

export async function ingest(opts: IngestOptions): Promise<IngestSummary> {
  const started = process.hrtime.bigint();
  const sources = resolveSources(opts.sources ?? [], !!opts.feeds?.length);
  const db = openDatabase(opts.dataDir, { cacheMiB: 16, mmapMiB: 4096 });
  const summary = emptySummary();
  let pool: ParsePool | undefined;
  let progress: Progress | undefined;
  let epochs: EpochWriter | undefined;
  try {
    const writer = new StoreWriter(db);
    const stored = new EpochTable(db);
    const name = opts.inbox;
    if (name === undefined && sources.length) throw new Error('mail files need an inbox to go to');
    if (name !== undefined) await checkOrigin(db, opts.dataDir, name, sources.length > 0, !!opts.feeds?.length);
    for (const feed of opts.feeds ?? [])
      await feed.prepare(db, name === undefined ? undefined : writer.findInbox(name)?.id);
    const inbox = name === undefined ? undefined : writer.ensureInbox(name, opts.address, opts.description);
    if (inbox && sources.length && opts.epochs !== false)
      epochs = new EpochWriter(opts.dataDir, inbox.name, inbox.id, stored, opts.epochs?.rollBytes);
    /** The inbox a step's changes go to. */
    const target = (step: Step): number => {
      if (step.inbox) return writer.ensureInbox(step.inbox.name, step.inbox.address, step.inbox.description).id;
      if (!inbox) throw new Error('a step names no inbox, and the ingest has none');
      return inbox.id;
    };
    pool = opts.pool ?? new ParsePool(opts.jobs ?? 2);
    const parse = pool;
    let total = sources.reduce((n, s) => n + s.bytes, 0);
    if (opts.progress) for (const f of opts.feeds ?? []) total += await f.bytes();
    const bar = opts.progress?.(total);
    progress = bar;
    let open = false;
    let inBatch = 0;

    const quarantined = (reason: string) => {
      summary.quarantined++;
      summary.reasons[reason] = (summary.reasons[reason] ?? 0) + 1;
    };

    /**
     * A parsed message: added, counted as a duplicate, quarantined, or in place of an old version;
     * a message stored from mail files is committed to the inbox's epoch.
     */
    const apply = async (inboxId: number, change: Change & { kind: 'add' | 'replace' }, p: Processed) => {
      const body = bodyOf(p);
      if (change.kind === 'replace') {
        if (!p.ok) throw new Error(`the edited version of article ${change.num} cannot be analyzed: ${p.reason}`);
        writer.replace(change.num, p.message, p.rawData, body);
        summary.edited++;
        return;
      }
      bar?.message();
      inBatch++;
      if (p.ok) {
        if (writer.add(inboxId, p.message, p.rawData, body) === 'duplicate') return void summary.duplicates++;
        summary.added++;
        await epochs?.add(change.raw, p.message);
      } else if (p.size === 0) {
        // no bytes to keep; and an empty blob in an epoch means a message purged (public-inbox-purge)
        quarantined(p.reason);
      } else if (writer.quarantine(inboxId, p, p.rawData) === 'added') {
        quarantined(p.reason);
        await epochs?.add(change.raw, { fromNames: '', fromAddr: '', subject: '', ds: 0, ts: 0 });
      } else summary.duplicates++;
    };

    /** The batch's commits written and recorded, then the batch committed. */
    const commit = async () => {
      await epochs?.checkpoint();
      writer.commit();
    };

    /** The batch committed; the next entry begins another. */
    const endBatch = async () => {
      await commit();
      open = false;
      inBatch = 0;
    };

    const store = async (entry: Pending) => {
      if (!open) {
        writer.begin();
        open = true;
        await epochs?.begin();
      }
      if ('end' in entry) {
        entry.taken?.(entry.inboxId);
        if (inBatch >= BATCH_MESSAGES) await endBatch();
      } else if ('processed' in entry) await apply(entry.inboxId, entry.change, await entry.processed);
      else if (entry.change.kind === 'purged') writer.passOver();
      else {
        // none stored (it was a duplicate, or never taken): nothing to do
        const num = stored.storedCopy(entry.inboxId, entry.change.sha256);
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
      const inboxId = target(step);
      for (const change of step.changes) {
        if (change.kind === 'add' || change.kind === 'replace') {
          if (change.kind === 'add') summary.read++;
          queue.push({ inboxId, change, processed: parse.submit(change.raw) });
          parsing++;
        } else queue.push({ inboxId, change });
      }
      queue.push({ inboxId, end: true, taken: step.taken });
      while (parsing >= WINDOW || (step.settle && queue.length)) await next();
      if (step.settle && open) await endBatch();
    };

    try {
      for (const src of sources) {
        for await (const raw of readMessages(src, opts.format ?? 'mboxrd', (n) => bar?.bytes(n))) {
          await enqueue({ changes: [{ kind: 'add', raw }] });
        }
      }
      for (const feed of opts.feeds ?? []) {
        for await (const step of feed.steps(inbox?.id)) {
          for (const c of step.changes) if (c.kind === 'add' || c.kind === 'replace') bar?.bytes(c.raw.length);
          await enqueue(step);
        }
      }
      while (queue.length) await next();
      // (an ingest with nothing new still commits what the store holds beyond the epochs)
      if (!open && epochs) {
        writer.begin();
        open = true;
        await epochs.begin();
      }
      if (open) await commit();
      writer.finish();
      await renderStaleBodies(db, writer, parse);
      await epochs?.close();
      if (name !== undefined) for (const feed of opts.feeds ?? []) await feed.publish?.(opts.dataDir, name);
      // an inbox made, or its address, description or upstream changed: replicas take it from there
      await publishState(opts.dataDir, db, name === undefined ? 'ingest' : `ingest into ${name}`);
    } catch (err) {
      writer.rollback();
      epochs?.abort();
      throw err;
    }
  } finally {
    progress?.stop();
    if (!opts.pool) await pool?.close();
    db.close();
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}
