// `lorekeeper applied`: which patches of an inbox landed in a git repository's tracked branches.
import { scanApplied } from '../applied/applied.js';
import { parse, required, UsageError } from './args.js';

export async function appliedCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    data: { type: 'string' },
    inbox: { type: 'string' },
    repo: { type: 'string' },
    branch: { type: 'string', multiple: true },
    rescan: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`applied takes no ${JSON.stringify(positionals[0])}`);
  const summary = await scanApplied({
    dataDir: required(values.data, '--data'),
    inbox: required(values.inbox, '--inbox'),
    repo: required(values.repo, '--repo'),
    branches: values.branch ?? [],
    rescan: values.rescan,
  });
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    for (const b of summary.branches) {
      const found = b.byPatchId + b.bySubjectAuthor;
      process.stdout.write(
        b.commits
          ? `${summary.repo} ${b.branch}: ${b.commits} new commit(s), ${found} patch(es) landed ` +
              `(${b.byPatchId} by patch-id, ${b.bySubjectAuthor} by subject and author)\n`
          : `${summary.repo} ${b.branch}: nothing new\n`,
      );
    }
  }
  return 0;
}
