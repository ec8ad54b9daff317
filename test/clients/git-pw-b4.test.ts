// The Patchwork clients kernel maintainers use, the real Debian ones, against a running lorekeeper:
// git-pw 2.0 (series list/show/download/apply, patch list/show/update) and b4 0.12's `b4 ty` with
// pw-url, pw-key, pw-project and pw-accept-state, marking a series it thanks for as accepted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createToken, runCliHere } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { clientHome } from '../helpers/client-home.js';
import { baseRepo } from '../helpers/fake-base.js';
import { midEscape } from '../../src/mail/message-id.js';

const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
/** The ring series' id and its patches' (article numbers in the fixtures' ingest order). */
const RING_SERIES = 100;
const RING_PATCHES = [100, 101, 102];
const VFIO_COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';

/** Clients run asynchronously: the server answering them lives in this very process. */
const run = promisify(execFile);

describe.skipIf(!have('git-pw') || !have('b4'))('git-pw and b4 against the Patchwork API', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  let tokens: { maintainer: string; ci: string; iommu: string; revoked: string };
  let api: string;
  let seriesMbox: string;

  beforeAll(async () => {
    dir = fixtureStore();
    tokens = {
      maintainer: await createToken(dir, 'maint', 'virtualization', 'maintainer'),
      ci: await createToken(dir, 'ci-bot', 'virtualization', 'ci'),
      iommu: await createToken(dir, 'iommu-maint', 'iommu', 'maintainer'),
      revoked: await createToken(dir, 'gone', 'virtualization', 'maintainer'),
    };
    expect((await runCliHere(['token', 'revoke', '--data', dir, '4'])).status).toBe(0);
    server = await startServer(dir);
    api = `${server.url}/api/1.2`;
    env = clientHome();
    seriesMbox = await (await fetch(`${server.url}/virtualization/${RING_COVER}/series.mbox`)).text();
  });
  afterAll(async () => server.close());

  /** `git pw` with this server, the virtualization project and a token (or other auth arguments). */
  const pw = (args: string[], auth: string[] = ['--token', tokens.ci], cwd?: string) =>
    run('git', ['pw', '--server', api, '--project', 'virtualization', ...auth, ...args], { env, cwd }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const state = async (id: number) =>
    ((await (await fetch(`${api}/patches/${id}/`)).json()) as { state: string; check: string }).state;

  it('git pw series list and show read the series as Patchwork lists them', async () => {
    const list = await pw(['series', 'list', '-f', 'csv']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const row = list.stdout.split('\n').find((l) => l.startsWith(`"${RING_SERIES}"`));
    expect(row).toMatch(/"virtio_ring: Clean up code for virtio ring and pci","2","Feng Liu via Virtualization/);

    const show = await pw(['series', 'show', String(RING_SERIES), '-f', 'csv']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('"Received","3 of 3"');
    expect(show.stdout).toContain('"Complete","True"');
    expect(show.stdout).toContain(`"Cover","99   [v2,0/3] virtio_ring: Clean up code for virtio ring and pci"`);
    expect(show.stdout).toContain(
      `"Patches","100  [v2,1/3] virtio_ring: Allow non power of 2 sizes for packed virtqueue"`,
    );
    expect(show.stdout).toContain(`"URL","${server.url}/virtualization/${RING_COVER}/series/"`);
  });

  it('git pw series download writes series.mbox byte for byte, and series apply applies it with git am', async () => {
    const out = join(tempDir(), 'ring.mbox');
    const got = await pw(['series', 'download', String(RING_SERIES), out]);
    expect(got.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(seriesMbox);

    const repo = baseRepo(tempDir('lk-pw-repo-'), seriesMbox, env);
    const applied = await pw(['series', 'apply', String(RING_SERIES)], undefined, repo);
    expect(applied.code, applied.stderr).toBe(0);
    const log = execFileSync('git', ['log', '--format=%s', 'master~3..master'], { cwd: repo, env, encoding: 'utf8' });
    expect(log.trim().split('\n').reverse()).toEqual([
      'virtio_ring: Allow non power of 2 sizes for packed virtqueue',
      'virtio_ring: Avoid using inline for small functions',
      'virtio_ring: Use const to annotate read-only pointer params',
    ]);
  });

  it('git pw patch list --state and patch show read the automatic states', async () => {
    const reviewed = await pw(['patch', 'list', '--state', 'under-review', '-f', 'csv']);
    expect(reviewed.code).toBe(0);
    const ids = (out: string) =>
      out
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => Number(JSON.parse(`[${l}]`)[0]));
    expect(ids(reviewed.stdout)).toEqual(expect.arrayContaining(RING_PATCHES));
    expect(ids((await pw(['patch', 'list', '--state', 'accepted', '-f', 'csv'])).stdout)).toEqual([]);

    const show = await pw(['patch', 'show', '101', '-f', 'csv']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('"Message ID","<20230315185458.11638-3-feliu@nvidia.com>"');
    expect(show.stdout).toContain('"State","under-review"');
    expect(show.stdout).toContain(`"Series","${RING_SERIES}  virtio_ring: Clean up code for virtio ring and pci"`);
  });

  it('git pw patch update --state takes a maintainer token of the inbox and refuses every other', async () => {
    // a refusal of each kind (403, 401) as git-pw shows it; every refusal the API makes is in
    // test/serve/patchwork-api.test.ts
    const refused: [string[], RegExp][] = [
      [['--token', tokens.iommu], /This token may not write to project "virtualization"/],
      [['--token', tokens.revoked], /This token was revoked/],
    ];
    for (const [auth, why] of refused) {
      const r = await pw(['patch', 'update', '--state', 'accepted', '101'], auth);
      expect(r.code, auth[0]).toBe(1);
      expect(r.stderr).toMatch(why);
      expect(await state(101)).toBe('under-review');
    }

    const ok = await pw(['patch', 'update', '--state', 'accepted', '101', '-f', 'csv'], ['--token', tokens.maintainer]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"State","accepted"');
    expect(await state(101)).toBe('accepted');
    const listed = await pw(['patch', 'list', '--state', 'accepted', '-f', 'csv']);
    expect(listed.stdout).toContain('"101"');
    // back to the automatic state's slug by hand, for the b4 test below
    await pw(['patch', 'update', '--state', 'under-review', '101'], ['--token', tokens.maintainer]);
  });

  it('b4 ty with pw-url, pw-key, pw-project and pw-accept-state marks the applied series accepted', async () => {
    const home = clientHome({
      'b4.midmask': `${server.url}/virtualization/%s`,
      'b4.linkmask': 'https://lore.kernel.org/r/%s',
      'b4.pw-url': `${server.url}/`,
      'b4.pw-key': tokens.maintainer,
      'b4.pw-project': 'virtualization',
      'b4.pw-accept-state': 'accepted',
    });
    const out = tempDir();
    await run('b4', ['am', '-o', out, RING_COVER], { env: home });
    const mbx = readdirSync(out).find((f) => f.endsWith('.mbx'))!;
    const repo = baseRepo(tempDir('lk-pw-repo-'), readFileSync(join(out, mbx), 'utf8'), home);
    execFileSync('git', ['am', '-q', join(out, mbx)], { cwd: repo, env: home });
    for (const id of RING_PATCHES) expect(await state(id)).not.toBe('accepted');

    const ty = await run('b4', ['ty', '-a', '-o', join(repo, 'thanks')], { cwd: repo, env: home });
    expect(ty.stderr).toMatch(/Patchwork: setting state on .*\/virtualization/);
    for (const id of RING_PATCHES) expect(await state(id), `patch ${id}`).toBe('accepted');
    // the thank-you letter b4 wrote answers the cover letter
    const letter = readdirSync(join(repo, 'thanks'));
    expect(letter).toHaveLength(1);
    expect(readFileSync(join(repo, 'thanks', letter[0]), 'utf8')).toContain(`In-Reply-To: <${RING_COVER}>`);
  });

  it('the API tells other inboxes apart: an iommu patch is looked up by its Message-ID in its own project only', async () => {
    const vfioPatch = VFIO_COVER.replace('-1-', '-2-');
    const q = (project: string) => `${api}/patches/?project=${project}&archived=false&msgid=${midEscape(vfioPatch)}`;
    const mine = (await (await fetch(q('iommu'))).json()) as { id: number; msgid: string }[];
    expect(mine.map((p) => p.msgid)).toEqual([`<${vfioPatch}>`]);
    expect(await (await fetch(q('virtualization'))).json()).toEqual([]);
  });
});
