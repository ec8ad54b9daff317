// `lorekeeper ingest`: wires arguments to the ingest pipeline and prints the summary.
import { availableParallelism } from 'node:os';
import { ingest, type IngestOptions, type IngestSummary } from '../ingest/ingest.js';
import { ParsePool } from '../ingest/parse-pool.js';
import { openDatabase } from '../store/open-database.js';
import type { EpochFeed as GitFeed } from '../mirror/epoch-feed.js';
import { isGitSource, openGitInbox } from '../mirror/layout.js';
import { parse, required, integer, UsageError } from './args.js';

/** The summary for a person; `git`: the source had a history, which also removes and edits. */
export function human(s: IngestSummary, git: boolean): string {
  const rate = s.seconds > 0 ? Math.round(s.read / s.seconds) : s.read;
  let out =
    `read ${s.read} messages in ${s.seconds.toFixed(1)} s (${rate}/s): ` +
    `${s.added} added, ${s.duplicates} duplicates, ${s.quarantined} quarantined` +
    (git ? `, ${s.removed} removed, ${s.edited} edited\n` : '\n');
  for (const [reason, n] of Object.entries(s.reasons)) out += `  quarantined ${n}: ${reason}\n`;
  return out;
}

/** The one JSON line: read = added + duplicates + quarantined; a history's removals and edits besides. */
export function jsonLine(s: IngestSummary, git: boolean, extra: Record<string, number> = {}): string {
  const { read, added, duplicates, quarantined, removed, edited } = s;
  const counts = git
    ? { read, added, duplicates, quarantined, removed, edited }
    : { read, added, duplicates, quarantined };
  return JSON.stringify({ ...counts, seconds: Number(s.seconds.toFixed(3)), ...extra }) + '\n';
}

export const defaultJobs = () => Math.min(2, availableParallelism());

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** A size such as 2684354560, 500m or 1g (binary units). */
export function byteSize(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^([0-9]+)([kmg]?)$/i.exec(value.trim());
  const n = m ? Number(m[1]) * UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a size in bytes, or with k, m or g, not ${JSON.stringify(value)}`);
  return n;
}

export async function ingestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    data: { type: 'string' },
    inbox: { type: 'string' },
    address: { type: 'string' },
    description: { type: 'string' },
    format: { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    resync: { type: 'boolean' },
    'no-epochs': { type: 'boolean' },
    'epoch-size': { type: 'string' },
    spool: { type: 'string' },
    watch: { type: 'string' },
  });
  const format = values.format ?? 'mboxrd';
  if (format !== 'mboxrd' && format !== 'mboxo')
    throw new UsageError(`--format must be mboxrd or mboxo, not ${JSON.stringify(format)}`);
  if (values.spool !== undefined && positionals.length)
    throw new UsageError('--spool takes the mail of its Maildir alone: leave out SOURCE');
  if (values.watch !== undefined && values.spool === undefined)
    throw new UsageError('--watch takes a Maildir spool: give --spool DIR');
  if (!positionals.length && values.spool === undefined) {
    throw new UsageError(
      'no SOURCE given: name an mbox, mbox.gz, Maildir, .eml file, public-inbox inbox or git epoch, or - for standard input',
    );
  }
  const options: IngestOptions & { jobs: number } = {
    dataDir: required(values.data, '--data'),
    inbox: required(values.inbox, '--inbox'),
    address: values.address,
    description: values.description,
    sources: [],
    format,
    jobs: integer(values.jobs, '--jobs', defaultJobs(), 0, 64),
    epochs: values['no-epochs'] ? false : { rollBytes: byteSize(values['epoch-size'], '--epoch-size') },
  };
  if (values.spool !== undefined) {
    if (values.resync) throw new UsageError('--resync applies to git sources only');
    const watch = values.watch === undefined ? undefined : integer(values.watch, '--watch', 0, 1, 3600);
    return spoolCommand(options, required(values.spool, '--spool'), watch, !!values.json);
  }
  // mail files and git histories are both checked before anything is written; an unreadable SOURCE
  // is a failure (exit 1), not a usage error
  // git histories' modules and the progress bar's (21 files) are loaded only by the runs that need them
  const feeds: GitFeed[] = [];
  const gitSources = positionals.filter((p) => p !== '-' && isGitSource(p));
  if (gitSources.length) {
    const { EpochFeed } = await import('../mirror/epoch-feed.js');
    for (const p of gitSources) feeds.push(new EpochFeed(await openGitInbox(p), { resync: values.resync }));
  }
  if (values.resync && !feeds.length) throw new UsageError('--resync applies to git sources only');
  const summary: IngestSummary = await ingest({
    ...options,
    sources: positionals.filter((p) => p === '-' || !isGitSource(p)),
    feeds,
    progress: values.json ? undefined : (await import('../ingest/progress.js')).progressBar,
  });
  for (const note of feeds.flatMap((f) => f.notes)) process.stderr.write(`lorekeeper: ${note}\n`);
  const git = feeds.length > 0;
  process.stdout.write(values.json ? jsonLine(summary, git) : human(summary, git));
  return 0;
}

/**
 * `ingest --spool DIR [--watch SECONDS]`: the mail a mail server delivered into the Maildir DIR, taken
 * out of it once stored (src/ingest/spool.ts), once or whenever mail lands in it. A line per take
 * that found mail, for the journal; nothing for an empty spool.
 */
async function spoolCommand(
  options: IngestOptions & { jobs: number },
  spool: string,
  watch: number | undefined,
  json: boolean,
): Promise<number> {
  const { takeSpool, watchSpool } = await import('../ingest/spool.js');
  let pool: ParsePool | undefined;
  const take = async () => {
    // watching, one set of parse workers serves every take; a take's mail is parsed in the process
    // until 4 MiB of it have been, counted over the pool's life, then in the workers, which stay
    if (watch !== undefined && (!pool || pool.broken)) {
      await pool?.close();
      pool = new ParsePool(options.jobs);
    }
    const summary = await takeSpool(spool, (maildir) => ingest({ ...options, sources: [maildir], pool }));
    if (summary) process.stdout.write(json ? jsonLine(summary, false) : human(summary, false));
    return summary;
  };
  if (watch === undefined) {
    await take();
    return 0;
  }
  // a store that cannot be written ends the watch at once, not when the first mail lands
  openDatabase(options.dataDir).close();
  try {
    return await watchSpool({
      spool,
      every: watch,
      take,
      complain: (message) => process.stderr.write(`lorekeeper: ${message} (taking the spool again later)\n`),
    });
  } finally {
    // (its threads would keep the process from ending)
    await pool?.close();
  }
}
