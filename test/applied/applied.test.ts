// `lorekeeper applied` against a real repository a maintainer fills with `git am`: the virtio_ring
// series applied whole, the vfio series applied in part (patches 1 to 5, patch 6 edited on the
// way in), and later one more patch. Every patch that landed is accepted with its commit, the
// edited one by the weaker subject-and-author rule; a second run reads nothing; a later run reads
// only the new commit.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { fixtureStore, openReader } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';
import { fakeBase } from '../helpers/fake-base.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { patchStates } from '../../src/store/patch-states.js';
import type { App } from '../../src/serve/app.js';

const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
const VFIO_COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
/** In fixtures/chain-targets.mbox: a fix (May 1, 2019) and its RESEND (May 16); Greg's stable reviews came May 23. */
const VSOCK = '20190501003001.186239-1-jemoreira@google.com';
const VSOCK_RESEND = '20190516205107.222003-1-jemoreira@google.com';

/** Where the test repository's commits are. */
const MASTER = { repo: 'linux', branch: 'refs/heads/master' };
let data: string;
const repo = join(tempDir('lk-applied-'), 'linux');
let app: App;
/** The am-ready mbox of each series, one message per element, patch 1 first. */
const patches = new Map<string, string[]>();

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=A Maintainer', '-c', 'user.email=maintainer@example.org', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();

/** `git am` of these messages. */
function am(messages: string[]): void {
  const file = join(dirname(repo), 'am.mbox');
  writeFileSync(file, messages.join(''));
  git('am', '-q', file);
}

/** Run lorekeeper applied; its JSON summary. */
async function applied(inbox: string, ...more: string[]) {
  const r = await runCliHere(['applied', '--data', data, '--inbox', inbox, '--repo', repo, '--json', ...more]);
  if (r.status !== 0) throw new Error(`lorekeeper applied exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as {
    repo: string;
    branches: { branch: string; commits: number; byPatchId: number; bySubjectAuthor: number }[];
    seconds: number;
  };
}

/** msg.num of each patch of the series, in order. */
function nums(coverMid: string): number[] {
  const { db } = openReader(data);
  const out = db
    .prepare(
      `SELECT sp.num FROM msg c JOIN series s ON s.cover_num = c.num JOIN series_patch sp ON sp.series_id = s.id
       WHERE c.mid = ? AND sp.counter > 0 ORDER BY sp.counter`,
    )
    .pluck()
    .all(coverMid) as number[];
  db.close();
  return out;
}

function states(coverMid: string) {
  const { db } = openReader(data);
  const all = nums(coverMid);
  const got = patchStates(db, all);
  db.close();
  return all.map((n) => got.get(n)!);
}

describe.skipIf(!have('git'))('lorekeeper applied', () => {
  beforeAll(async () => {
    data = fixtureStore();
    app = await appOver(data);
    for (const [inbox, mid] of [
      ['virtualization', RING_COVER],
      ['iommu', VFIO_COVER],
    ]) {
      const mbox = (await app.fastify.inject({ url: midUrl(inbox, mid, 'series.mbox') })).body;
      patches.set(
        mid,
        mbox.split(/^(?=From git@z )/m).filter((m) => m.startsWith('From ')),
      );
    }
    mkdirSync(repo, { recursive: true });
    git('init', '-q', '-b', 'master');
    for (const mid of [RING_COVER, VFIO_COVER]) {
      for (const [path, text] of fakeBase(patches.get(mid)!.join(''))) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    am(patches.get(RING_COVER)!);
    const vfio = patches.get(VFIO_COVER)!;
    expect(vfio).toHaveLength(16);
    am(vfio.slice(0, 6));
    // the maintainer folds a fix into patch 6 as it goes in: same subject and author, another diff
    writeFileSync(join(repo, 'fixup.txt'), 'a line the maintainer added\n');
    git('add', 'fixup.txt');
    git('commit', '-q', '--amend', '--no-edit');
  });
  afterAll(async () => app?.fastify.close());

  it('accepts every patch that landed, with its commit: by patch-id, or by subject and author once edited', async () => {
    expect(await applied('virtualization')).toMatchObject({
      repo: 'linux',
      branches: [{ branch: 'refs/heads/master', commits: 10, byPatchId: 3, bySubjectAuthor: 0 }],
    });
    expect((await applied('iommu')).branches).toMatchObject([{ commits: 10, byPatchId: 5, bySubjectAuthor: 1 }]);
    const commits = git('log', '--reverse', '--format=%H', 'master~9..master').split('\n');
    expect(states(RING_COVER)).toEqual(
      commits.slice(0, 3).map((commit) => ({ state: 'accepted', automatic: true, commit, how: 'patch-id', ...MASTER })),
    );
    const vfio = states(VFIO_COVER);
    expect(vfio.slice(0, 5)).toEqual(
      commits.slice(3, 8).map((commit) => ({ state: 'accepted', automatic: true, commit, how: 'patch-id', ...MASTER })),
    );
    expect(vfio[5]).toEqual({
      state: 'accepted',
      automatic: true,
      commit: commits[8],
      how: 'subject-author',
      ...MASTER,
    });
    // the rest of the series did not land
    for (const s of vfio.slice(6)) expect(s).toEqual({ state: 'new', automatic: true });
  });

  it('reads nothing when the branch has not moved', async () => {
    const r = await applied('iommu');
    expect(r.branches).toMatchObject([{ commits: 0, byPatchId: 0, bySubjectAuthor: 0 }]);
    expect(r.seconds).toBeLessThan(2);
  });

  it('reads only the commits after the last one scanned, and records what they bring', async () => {
    am(patches.get(VFIO_COVER)!.slice(6, 7));
    expect((await applied('iommu')).branches).toMatchObject([{ commits: 1, byPatchId: 1, bySubjectAuthor: 0 }]);
    expect(states(VFIO_COVER)[6]).toEqual({
      state: 'accepted',
      automatic: true,
      commit: git('rev-parse', 'master'),
      how: 'patch-id',
      ...MASTER,
    });
    // the other inbox's scan is its own: it reads the new commit too, and finds none of its patches
    expect((await applied('virtualization')).branches).toMatchObject([{ commits: 1, byPatchId: 0 }]);
  });

  it('takes for a commit the last posting of its patch sent before it was committed', async () => {
    // a fix, its RESEND two weeks later, and Greg's stable reviews of it a week after that
    jsonSummary(
      await runCliHere([
        'ingest',
        '--data',
        data,
        '--inbox',
        'targets',
        '--json',
        '--jobs',
        '0',
        fixture('chain-targets.mbox'),
      ]),
    );
    const [original, resend] = [VSOCK, VSOCK_RESEND].map((mid) => {
      const { db } = openReader(data);
      const num = db.prepare('SELECT num FROM msg WHERE mid = ?').pluck().get(mid) as number;
      db.close();
      return num;
    });
    const raw = (await app.fastify.inject({ url: midUrl('targets', VSOCK_RESEND, 'raw') })).rawPayload;
    const other = join(tempDir('lk-applied-'), 'vsock');
    mkdirSync(other);
    const in2 = (env: Record<string, string>, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=M', '-c', 'user.email=m@example.org', ...args], {
        cwd: other,
        env: { ...process.env, ...env },
      });
    in2({}, 'init', '-q', '-b', 'master');
    for (const [path, text] of fakeBase(`From git@z Thu Jan  1 00:00:00 1970\n${raw.toString()}`)) {
      mkdirSync(dirname(join(other, path)), { recursive: true });
      writeFileSync(join(other, path), text);
    }
    in2({ GIT_COMMITTER_DATE: '2019-04-01T00:00:00Z', GIT_AUTHOR_DATE: '2019-04-01T00:00:00Z' }, 'add', '-A');
    in2(
      { GIT_COMMITTER_DATE: '2019-04-01T00:00:00Z', GIT_AUTHOR_DATE: '2019-04-01T00:00:00Z' },
      'commit',
      '-q',
      '-m',
      'base',
    );
    writeFileSync(join(other, '..', 'vsock.eml'), raw);
    // applied once between the fix and its RESEND (branch early), once after the RESEND (master)
    in2({}, 'branch', 'early');
    for (const [branch, date] of [
      ['early', '2019-05-10T00:00:00Z'],
      ['master', '2019-05-20T00:00:00Z'],
    ]) {
      in2({}, 'checkout', '-q', branch);
      in2({ GIT_COMMITTER_DATE: date }, 'am', '-q', join(other, '..', 'vsock.eml'));
    }
    const r = await runCliHere([
      'applied',
      '--data',
      data,
      '--inbox',
      'targets',
      '--repo',
      other,
      '--branch',
      'refs/heads/early',
      '--branch',
      'refs/heads/master',
      '--json',
    ]);
    expect(JSON.parse(r.stdout).branches).toMatchObject([
      { branch: 'refs/heads/early', commits: 1, byPatchId: 1 },
      { branch: 'refs/heads/master', commits: 1, byPatchId: 1 },
    ]);
    const { db } = openReader(data);
    expect(db.prepare(`SELECT num, branch FROM applied WHERE repo = 'vsock' ORDER BY branch`).all()).toEqual([
      { num: original, branch: 'refs/heads/early' },
      { num: resend, branch: 'refs/heads/master' },
    ]);
    db.close();
  });

  it('refuses an unknown inbox or branch, and a repository that is none, writing nothing', async () => {
    for (const [args, said] of [
      [['--inbox', 'nosuch', '--repo', repo], /no inbox nosuch/],
      [['--inbox', 'iommu', '--repo', repo, '--branch', 'refs/heads/nosuch'], /has no branch refs\/heads\/nosuch/],
      [['--inbox', 'iommu', '--repo', tempDir()], /not a git repository/],
    ] as const) {
      const r = await runCliHere(['applied', '--data', data, ...args]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(said);
    }
  });
});
