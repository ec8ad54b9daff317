// Bringing an inbox's epochs into the data directory, laid out as public-inbox-clone lays them out
// (DATA/inboxes/NAME/git/N.git, bare; a v1 inbox is DATA/inboxes/NAME itself) and exactly as
// upstream has them: `git clone --mirror` for a new epoch, `git fetch` for a known one, skipped
// when the manifest's fingerprint says nothing changed. New epochs after the first may be cloned
// in the background, one after another, while the ingest takes the ones before them.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gcAuto, gitAloud, runGit, gitSaid } from './git.js';
import { isBareRepo } from './layout.js';
import { MirrorError, type RemoteInbox } from './manifest.js';
import { fingerprint } from './published.js';

export interface Fetched {
  /** Bytes the epochs' object stores grew by. */
  bytes: number;
  /** Repositories cloned or fetched into. */
  touched: string[];
  /** Repositories this run created (removed again if what they hold turns out not to be an inbox). */
  created: string[];
  /**
   * New epochs still being cloned in the background, oldest first (with `ahead` only): each is in
   * place when its `cloned` resolves; `bytes`, `touched` and `created` count it from then on.
   */
  arriving: Arriving[];
}

/** An epoch cloned in the background: in its place, whole, once `cloned` resolves. */
export interface Arriving {
  n: number;
  gitDir: string;
  cloned: Promise<void>;
}

function sizeOf(path: string): number {
  let total = 0;
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const st = statSync(p);
    total += st.isDirectory() ? sizeOf(p) : st.size;
  }
  return total;
}

const objectBytes = (gitDir: string) => sizeOf(join(gitDir, 'objects'));

/** `git clone` or `git fetch`, aloud on a terminal; a failure names the URL and what git said. */
async function transfer(gitDir: string | null, command: string[], url: string, aloud: boolean): Promise<void> {
  const [name, ...rest] = command;
  // no gc after a fetch: when upstream rewrote its history, the old one must stay until the ingest
  // has compared the two (tidy, below, packs up afterwards)
  const args = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', name, ...(aloud ? [] : ['--quiet']), ...rest];
  if (aloud) {
    if ((await gitAloud(gitDir, args)) !== 0) throw new MirrorError(`git ${name} of ${url} failed (see above)`);
    return;
  }
  const r = await runGit(gitDir, args);
  if (r.code !== 0) throw new MirrorError(`git ${name} of ${url} failed: ${gitSaid(r.stderr)}`);
}

/** `git clone --mirror` into `dir`: beside it, then moved in whole (no half clone is ever taken for an epoch). */
async function cloneEpoch(url: string, dir: string, aloud: boolean, out: Fetched): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length)
    throw new MirrorError(`${dir} is in the way: it is not a git repository (move it, or mirror elsewhere)`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(tmp), { recursive: true });
  try {
    await transfer(null, ['clone', '--mirror', url, tmp], url, aloud);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  out.created.push(dir);
  out.touched.push(dir);
  out.bytes += objectBytes(dir);
}

/**
 * Clone or fetch the wanted epochs (all when undefined) of `remote` into `dest`. With `ahead`, the
 * new epochs after the first one cloned are left to clone in the background (`arriving`), one
 * after another, so that the ingest can take the epochs before them meanwhile.
 */
export async function fetchEpochs(
  remote: RemoteInbox,
  dest: string,
  wanted: Set<number> | undefined,
  aloud: boolean,
  ahead = false,
): Promise<Fetched> {
  const out: Fetched = { bytes: 0, touched: [], created: [], arriving: [] };
  let behind: Promise<void> | undefined;
  try {
    for (const e of remote.epochs) {
      if (wanted && !wanted.has(e.n)) continue;
      const dir = remote.version === 2 ? join(dest, 'git', `${e.n}.git`) : dest;
      if (isBareRepo(dir)) {
        if (e.fingerprint && e.fingerprint === (await fingerprint(dir))) continue;
        const before = objectBytes(dir);
        // every ref as upstream has it, deleted ones too: a mirror
        await transfer(dir, ['fetch', '--prune', e.url, '+refs/*:refs/*'], e.url, aloud);
        out.bytes += objectBytes(dir) - before;
        out.touched.push(dir);
      } else if (!ahead || !out.created.length) await cloneEpoch(e.url, dir, aloud, out);
      else {
        // after the one before it, so that epochs arrive in the order they are taken
        const cloned = (behind ?? Promise.resolve()).then(() => cloneEpoch(e.url, dir, aloud, out));
        // a failure is the taker's to report; the next clones do not wait for it
        behind = cloned.catch(() => {});
        out.arriving.push({ n: e.n, gitDir: dir, cloned });
      }
    }
  } catch (err) {
    await settled(out);
    forget(out.created, dest);
    throw err;
  }
  return out;
}

/** Once no clone runs in the background any more (whether each succeeded or not). */
export async function settled(fetched: Fetched): Promise<void> {
  await Promise.allSettled(fetched.arriving.map((a) => a.cloned));
}

/** Remove repositories this run created, and the inbox's directories if that leaves them empty. */
export function forget(created: string[], dest: string): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  for (const d of [join(dest, 'git'), dest])
    if (existsSync(d) && !readdirSync(d).length) rmSync(d, { recursive: true });
}

/** The inbox's description, where public-inbox keeps it (a v1 repository's own description file). */
export function writeDescription(dest: string, description: string): void {
  if (existsSync(dest)) writeFileSync(join(dest, 'description'), description + '\n');
}

/** Let git pack what the fetches left loose, once the ingest no longer needs the old history. */
export async function tidy(gitDirs: string[]): Promise<void> {
  for (const dir of gitDirs) await gcAuto(dir, ['-c', 'gc.autoDetach=false']);
}
