// `lorekeeper mirror`: keeps an inbox current with a public-inbox server's git epochs.
import { progressBar } from '../ingest/progress.js';
import { mirror } from '../mirror/mirror.js';
import { followWriter } from '../mirror/follow-writer.js';
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
  });
  if (positionals.length !== 1)
    throw new UsageError("mirror takes one URL: the inbox's, e.g. https://lore.kernel.org/iommu/");
  const common = {
    dataDir: required(values.data, '--data'),
    url: positionals[0],
    jobs: integer(values.jobs, '--jobs', defaultJobs(), 0, 64),
    aloud: !values.json && process.stderr.isTTY,
    progress: values.json ? undefined : (total: number) => progressBar(total),
  };
  // without --inbox: every inbox of a lorekeeper writer, numbered as the writer numbers them
  if (values.inbox === undefined)
    for (const [flag, given] of Object.entries({
      epochs: values.epochs,
      address: values.address,
      description: values.description,
      resync: values.resync,
    }))
      if (given !== undefined) throw new UsageError(`--${flag} applies to one inbox: give --inbox too`);
  const summary =
    values.inbox === undefined
      ? await followWriter(common)
      : await mirror({
          ...common,
          inbox: values.inbox,
          epochs: values.epochs,
          address: values.address,
          description: values.description,
          resync: values.resync,
        });
  for (const note of summary.notes) process.stderr.write(`lorekeeper: ${note}\n`);
  if (values.json) process.stdout.write(jsonLine(summary, true, { fetchedBytes: summary.fetchedBytes }));
  else process.stdout.write(`fetched ${(summary.fetchedBytes / 1e6).toFixed(1)} MB; ${human(summary, true)}`);
  return 0;
}
