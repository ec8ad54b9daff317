// `lorekeeper series link|unlink|show`: an administrator's corrections to automatic version chains.
import { openDatabase } from '../store/open-database.js';
import { SeriesWriter } from '../store/series-writer.js';
import { SeriesReader } from '../store/series-reader.js';
import { StoreReader } from '../store/reader.js';
import { publishState, writerOf } from '../mirror/admin-repo.js';
import { parse, required, UsageError } from './args.js';

const stripBrackets = (mid: string) => mid.replace(/^<(.*)>$/, '$1');

/** Every version of the chain holding this message, one line each. */
function describeChain(series: SeriesReader, reader: StoreReader, mid: string): string {
  const m = reader.messageByMid(mid, 'all');
  const s = m && series.forMessage(m.num, m.tid, m.inboxId);
  if (!s) return `no patch series holds <${mid}>\n`;
  return series
    .chain(s)
    .map((v) => `v${v.version} ${v.present}/${v.total}${v.complete ? '' : ' incomplete'} <${v.mid}> ${v.title}\n`)
    .join('');
}

export async function seriesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'link' && action !== 'unlink' && action !== 'show')
    throw new UsageError('series needs link, unlink or show');
  const { values, positionals } = parse(rest, { data: { type: 'string' } });
  const dir = required(values.data, '--data');
  const want = action === 'show' ? 1 : 2;
  if (positionals.length !== want)
    throw new UsageError(`series ${action} takes ${want === 1 ? 'one Message-ID' : 'two Message-IDs'}`);
  const mids = positionals.map(stripBrackets);
  // the administrator's word goes to the writer, whose replicas take it from there
  const writer = action === 'show' ? undefined : await writerOf(dir);
  if (writer) throw new Error(`${dir} is a read replica of ${writer}/: run lorekeeper series ${action} on the writer`);
  const db = openDatabase(dir);
  try {
    if (action !== 'show') {
      new SeriesWriter(db).setLink(mids[0], mids[1], action === 'link');
      // replicas take the administrator's word from the writer's administrative repository
      await publishState(dir, db, `series ${action} <${mids[0]}> <${mids[1]}>`);
    }
    const [series, reader] = [new SeriesReader(db), new StoreReader(db)];
    process.stdout.write(describeChain(series, reader, mids[0]));
    if (action === 'unlink') process.stdout.write(describeChain(series, reader, mids[1]));
  } finally {
    db.close();
  }
  return 0;
}
