// `lorekeeper ingest`: wires arguments to the ingest pipeline and prints the summary.
import { availableParallelism } from 'node:os';
import { ingest, type IngestSummary } from '../ingest/ingest.js';
import { progressBar } from '../ingest/progress.js';
import { parse, required, integer, UsageError } from './args.js';

function human(s: IngestSummary): string {
  const rate = s.seconds > 0 ? Math.round(s.read / s.seconds) : s.read;
  let out =
    `read ${s.read} messages in ${s.seconds.toFixed(1)} s (${rate}/s): ` +
    `${s.added} added, ${s.duplicates} duplicates, ${s.quarantined} quarantined\n`;
  for (const [reason, n] of Object.entries(s.reasons)) out += `  quarantined ${n}: ${reason}\n`;
  return out;
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
  });
  const format = values.format ?? 'mboxrd';
  if (format !== 'mboxrd' && format !== 'mboxo')
    throw new UsageError(`--format must be mboxrd or mboxo, not ${JSON.stringify(format)}`);
  if (!positionals.length) {
    throw new UsageError('no SOURCE given: name an mbox, mbox.gz, Maildir, .eml file, or - for standard input');
  }
  // an unreadable SOURCE is a failure (exit 1, nothing written), not a usage error
  const summary: IngestSummary = await ingest({
    dataDir: required(values.data, '--data'),
    inbox: required(values.inbox, '--inbox'),
    address: values.address,
    description: values.description,
    sources: positionals,
    format,
    jobs: integer(values.jobs, '--jobs', Math.min(2, availableParallelism()), 0, 64),
    progress: values.json ? undefined : (total) => progressBar(total),
  });
  if (values.json) {
    const { read, added, duplicates, quarantined, seconds } = summary;
    process.stdout.write(
      JSON.stringify({ read, added, duplicates, quarantined, seconds: Number(seconds.toFixed(3)) }) + '\n',
    );
  } else process.stdout.write(human(summary));
  return 0;
}
