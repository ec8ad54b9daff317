// `lorekeeper series link|unlink|show|state`: an administrator's corrections to automatic version
// chains, and a maintainer's states of patches.
import { openDatabase } from '../store/open-database.js';
import { SeriesWriter } from '../store/series-writer.js';
import { SeriesReader } from '../store/series-reader.js';
import { StoreReader } from '../store/reader.js';
import { publishState } from '../mirror/admin-repo.js';
import { clearPatchState, isPatchState, patchStates, PATCH_STATES, setPatchState } from '../store/patch-states.js';
import type { Db } from '../store/open-database.js';
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

/** The patches of the series holding this message, each with its state, one line each. */
function describeStates(db: Db, mid: string): string {
  const [series, reader] = [new SeriesReader(db), new StoreReader(db)];
  const m = reader.messageByMid(mid, 'all');
  const s = m && series.forMessage(m.num, m.tid, m.inboxId);
  if (!s) return `no patch series holds <${mid}>\n`;
  const patches = series.patches(s.id);
  const states = patchStates(
    db,
    patches.map((p) => p.num),
  );
  return patches
    .map((p) => {
      const st = states.get(p.num);
      const who = st?.automatic
        ? 'automatic'
        : `set by ${st?.setBy} at ${new Date((st?.setAt ?? 0) * 1000).toISOString()}`;
      const landed = st?.commit ? ` landed as ${st.commit} (${st.how})` : '';
      return `${p.counter}/${s.total} ${st?.state} (${who})${landed} <${p.mid}>\n`;
    })
    .join('');
}

/**
 * `series state MID [STATE]`: the states of the patches of the series holding MID; with STATE, the
 * patch MID (every patch, for a cover letter) takes it (`auto`: the automatic state again).
 */
async function stateCommand(dir: string, by: string, mid: string, state: string | undefined): Promise<number> {
  if (state !== undefined && state !== 'auto' && !isPatchState(state))
    throw new UsageError(`a state is one of ${PATCH_STATES.join(', ')} or auto, not ${JSON.stringify(state)}`);
  const db = openDatabase(dir);
  try {
    if (state !== undefined) {
      const [series, reader] = [new SeriesReader(db), new StoreReader(db)];
      const m = reader.messageByMid(mid, 'all');
      const s = m && series.forMessage(m.num, m.tid, m.inboxId);
      if (!m || !s) throw new Error(`no patch series holds <${mid}>`);
      const patches = series.patches(s.id);
      const nums = patches.some((p) => p.num === m.num) ? [m.num] : patches.map((p) => p.num);
      const at = Math.floor(Date.now() / 1000);
      for (const num of nums) {
        if (state === 'auto') clearPatchState(db, num);
        else setPatchState(db, num, state, by, at);
      }
      // replicas take the maintainer's word from the writer's administrative repository
      await publishState(dir, db, `series state <${mid}> ${state}`);
    }
    process.stdout.write(describeStates(db, mid));
  } finally {
    db.close();
  }
  return 0;
}

export async function seriesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'state') {
    const { values, positionals } = parse(rest, { data: { type: 'string' }, by: { type: 'string' } });
    if (positionals.length < 1 || positionals.length > 2)
      throw new UsageError('series state takes a Message-ID and, to set it, a state');
    const by = values.by ?? process.env.USER ?? 'lorekeeper';
    return stateCommand(required(values.data, '--data'), by, stripBrackets(positionals[0]), positionals[1]);
  }
  if (action !== 'link' && action !== 'unlink' && action !== 'show')
    throw new UsageError('series needs link, unlink, show or state');
  const { values, positionals } = parse(rest, { data: { type: 'string' } });
  const dir = required(values.data, '--data');
  const want = action === 'show' ? 1 : 2;
  if (positionals.length !== want)
    throw new UsageError(`series ${action} takes ${want === 1 ? 'one Message-ID' : 'two Message-IDs'}`);
  const mids = positionals.map(stripBrackets);
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
