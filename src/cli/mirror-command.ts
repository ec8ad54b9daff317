// `lorekeeper mirror`: keeps an inbox current with a public-inbox server's git epochs, or a read
// replica with its lorekeeper writer (once, or watching it with --watch).
import { progressBar } from '../ingest/progress.js';
import { ParsePool } from '../ingest/parse-pool.js';
import { mirror, type MirrorSummary } from '../mirror/mirror.js';
import { followWriter } from '../mirror/follow-writer.js';
import { watchWriter } from '../mirror/watch.js';
import { httpUrl } from '../mirror/manifest.js';
import { parse, required, integer, UsageError } from './args.js';
import { defaultJobs, human, jsonLine } from './ingest-command.js';

export async function mirrorCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    data: { type: 'string' },
    inbox: { type: 'string' },
    epochs: { type: 'string' },
    address: { type: 'string' },
    description: { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
    resync: { type: 'boolean' },
    watch: { type: 'string' },
  });
  if (positionals.length !== 1)
    throw new UsageError("mirror takes one URL: the inbox's, e.g. https://lore.kernel.org/iommu/");
  const watch = values.watch === undefined ? undefined : integer(values.watch, '--watch', 0, 1, 3600);
  const common = {
    dataDir: required(values.data, '--data'),
    url: positionals[0],
    jobs: integer(values.jobs, '--jobs', defaultJobs(), 0, 64),
    // a watching replica writes a line per run for its journal: no bars, no git transfers
    aloud: !values.json && watch === undefined && process.stderr.isTTY,
    progress: values.json || watch !== undefined ? undefined : (total: number) => progressBar(total),
  };
  const report = (summary: MirrorSummary) => {
    for (const note of summary.notes) process.stderr.write(`lorekeeper: ${note}\n`);
    if (values.json) process.stdout.write(jsonLine(summary, true, { fetchedBytes: summary.fetchedBytes }));
    else process.stdout.write(`fetched ${(summary.fetchedBytes / 1e6).toFixed(1)} MB; ${human(summary, true)}`);
  };
  // without --inbox: every inbox of a lorekeeper writer, numbered as the writer numbers them
  if (values.inbox === undefined) {
    for (const [flag, given] of Object.entries({
      epochs: values.epochs,
      address: values.address,
      description: values.description,
      resync: values.resync,
    }))
      if (given !== undefined) throw new UsageError(`--${flag} applies to one inbox: give --inbox too`);
    if (watch === undefined) {
      report(await followWriter(common));
      return 0;
    }
    // one set of parse workers for every run: starting them would cost more than most runs' mail
    let pool: ParsePool | undefined;
    try {
      await watchWriter({
        root: httpUrl(common.url).href.replace(/\/+$/, ''),
        every: watch,
        run: async () => {
          if (!pool || pool.broken) {
            await pool?.close();
            pool = new ParsePool(common.jobs);
          }
          report(await followWriter({ ...common, pool }));
        },
        complain: (message) => process.stderr.write(`lorekeeper: ${message} (asking again)\n`),
      });
    } finally {
      // (its threads would keep the process from ending)
      await pool?.close();
    }
    return 0;
  }
  if (watch !== undefined) throw new UsageError('--watch follows a whole lorekeeper writer: leave out --inbox');
  report(
    await mirror({
      ...common,
      inbox: values.inbox,
      epochs: values.epochs,
      address: values.address,
      description: values.description,
      resync: values.resync,
    }),
  );
  return 0;
}
