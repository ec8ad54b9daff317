// Read replicas: `lorekeeper mirror` of a whole lorekeeper writer gives a store whose digest is the
// writer's (numbers, threads and series across inboxes whose mail arrived interleaved, quarantined
// mail, the state not in the mail: series links, patch states), after a full mirror and after each
// follow-up with new mail, series links and unlinks, states set and taken back, patches found
// applied by lorekeeper applied; a replica of the replica too. One inbox mirrored on its own equals it
// as well; a writer that mirrors a public-inbox archive passes its upstream on to its replicas.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCliBeside, runCliHere } from '../helpers/cli.js';
import { FIXTURE_INBOXES, digestOf, openReader } from '../helpers/store.js';
import { have } from '../helpers/programs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { serveFiles } from '../helpers/file-server.js';
import { buildRepo } from '../helpers/public-inbox.js';
import { gitOut } from '../helpers/epochs.js';
import { readMbox } from '../helpers/mbox.js';
import { fakeBase } from '../helpers/fake-base.js';

const digest = digestOf;
/** Patches of two series: the vfio v7 series (iommu) and the virtio_ring v2 series (virtualization). */
const VFIO_PATCH = '1599734733-6431-3-git-send-email-yi.l.liu@intel.com';
const VIRTIO_PATCH = '20230315185458.11638-2-feliu@nvidia.com';
const VIRTIO_COVER = '20230315185458.11638-1-feliu@nvidia.com';

/** `lorekeeper mirror` of the whole writer; its summary. */
async function follow(replica: string, writer: string): Promise<Record<string, number>> {
  const r = await runCliBeside(['mirror', '--data', replica, '--json', '--jobs', '0', `${writer}/`]);
  if (r.status !== 0) throw new Error(`mirror of ${writer} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const upstreams = (data: string) => {
  const { db } = openReader(data);
  const rows = db.prepare('SELECT i.name, u.url FROM upstream u JOIN inbox i ON i.id = u.inbox_id').all();
  db.close();
  return rows;
};

/** The explicit patch states of a store. */
const states = (data: string) => {
  const { db } = openReader(data);
  const rows = db.prepare('SELECT state, set_by FROM patch_state ORDER BY num').all();
  db.close();
  return rows;
};

describe.skipIf(!have('git'))('replicas of a lorekeeper writer', () => {
  const writer = tempDir();
  const replica = tempDir();
  const second = tempDir();
  let served: TestServer;
  let replicaServed: TestServer;
  beforeAll(async () => {
    // mail arriving for one inbox, then another, then the first again: numbers interleave
    for (const ib of FIXTURE_INBOXES)
      for (const source of ib.sources)
        jsonSummary(
          await runCliHere([
            ...['ingest', '--data', writer, '--inbox', ib.name, '--address', ib.address, '--json', '--jobs', '0'],
            fixture(source),
          ]),
        );
    expect((await runCliHere(['series', 'link', '--data', writer, VFIO_PATCH, VIRTIO_PATCH])).status).toBe(0);
    expect(
      (await runCliHere(['series', 'state', '--data', writer, '--by', 'mst', VIRTIO_PATCH, 'accepted'])).status,
    ).toBe(0);
    served = await startServer(writer);
  });
  afterAll(async () => {
    await served?.close();
    await replicaServed?.close();
  });

  it("equal the writer's store after a full mirror, the state not in the mail included", async () => {
    expect(await follow(replica, served.url)).toMatchObject({ read: 117, added: 117 });
    expect(digest(replica)).toBe(digest(writer));
    expect(states(replica)).toEqual([{ state: 'accepted', set_by: 'mst' }]);
    // the writer's inboxes have no upstream: neither have the replica's (their mirror pages agree)
    expect(upstreams(replica)).toEqual([]);
    // the replica keeps the writer's administrative repository, and never writes to it
    const admin = join(replica, 'admin.git');
    expect(gitOut(admin, 'rev-parse', 'master')).toBe(gitOut(join(writer, 'admin.git'), 'rev-parse', 'master'));
  });

  it('stay equal after follow-ups with new mail, a quarantined message, an unlink, and fetch nothing more', async () => {
    const junk = join(tempDir(), 'junk.eml');
    writeFileSync(junk, 'not mail: no header fields\n');
    for (const [inbox, source] of [
      ['virtualization', fixture('multi-id.mbox')],
      ['kvm', junk],
      ['iommu', fixture('seed-003-kvm.eml')],
      ['virtualization', fixture('seed-003-qemu-devel.eml')],
    ])
      jsonSummary(await runCliHere(['ingest', '--data', writer, '--inbox', inbox, '--json', '--jobs', '0', source]));
    expect((await runCliHere(['series', 'unlink', '--data', writer, VFIO_PATCH, VIRTIO_PATCH])).status).toBe(0);
    // a maintainer's word taken back on one patch, given on another
    expect((await runCliHere(['series', 'state', '--data', writer, VIRTIO_PATCH, 'auto'])).status).toBe(0);
    expect(
      (await runCliHere(['series', 'state', '--data', writer, '--by', 'alex', VFIO_PATCH, 'rejected'])).status,
    ).toBe(0);
    // the maintainer applies the virtio_ring series; lorekeeper applied finds it on the writer
    const repo = join(tempDir(), 'linux');
    const mbox = await (await fetch(`${served.url}/virtualization/${VIRTIO_COVER}/series.mbox`)).text();
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=M', '-c', 'user.email=m@example.org', ...args], { cwd: repo });
    git('init', '-q', '-b', 'master');
    for (const [path, text] of fakeBase(mbox)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    writeFileSync(join(repo, '..', 'series.mbox'), mbox);
    git('am', '-q', join(repo, '..', 'series.mbox'));
    const scan = await runCliHere(['applied', '--data', writer, '--inbox', 'virtualization', '--repo', repo]);
    expect(scan.stdout).toContain('3 patch(es) landed');
    expect(await follow(replica, served.url)).toMatchObject({ read: 5, added: 4, quarantined: 1 });
    expect(digest(replica)).toBe(digest(writer));
    expect(states(replica)).toEqual([{ state: 'rejected', set_by: 'alex' }]);
    const { db } = openReader(replica);
    expect(db.prepare(`SELECT count(*) FROM applied WHERE repo = 'linux'`).pluck().get()).toBe(3);
    db.close();
    expect(await follow(replica, served.url)).toMatchObject({ read: 0, fetchedBytes: 0 });
    expect(digest(replica)).toBe(digest(writer));
  });

  it('refuse writes: series links and mail go to the writer', async () => {
    const before = digest(replica);
    const link = await runCliHere(['series', 'link', '--data', replica, VFIO_PATCH, VIRTIO_PATCH]);
    expect(link.status).toBe(1);
    expect(link.stderr).toContain(`is a read replica of ${served.url}/: run lorekeeper series link on the writer`);
    const mail = await runCliHere(['ingest', '--data', replica, '--inbox', 'kvm', fixture('seed-000-qemu-devel.eml')]);
    expect(mail.status).toBe(1);
    expect(mail.stderr).toContain(`is a read replica of ${served.url}/: its mail comes from there`);
    expect(digest(replica)).toBe(before);
  });

  it('and a replica of the replica equals them both', async () => {
    replicaServed = await startServer(replica);
    await follow(second, replicaServed.url);
    expect(digest(second)).toBe(digest(writer));
  });
});

describe.skipIf(!have('git'))('a writer mirroring a public-inbox archive', () => {
  it('passes its upstream on to its replicas, whose mirror pages name it', async () => {
    const site = tempDir();
    buildRepo(
      join(site, 'lists', 'git', '0.git'),
      readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox')).map((add) => ({ add })),
      2,
    );
    const files = await serveFiles(site);
    const writer = tempDir();
    const upstream = `${files.url}/lists/`;
    expect((await runCliBeside(['mirror', '--data', writer, '--inbox', 'lists', '--jobs', '0', upstream])).status).toBe(
      0,
    );
    const served = await startServer(writer);
    // (one inbox mirrored on its own)
    const replica = tempDir();
    const r = await runCliBeside([
      ...['mirror', '--data', replica, '--inbox', 'lists', '--json', '--jobs', '0'],
      `${served.url}/lists/`,
    ]);
    expect(r.status).toBe(0);
    expect(upstreams(replica)).toEqual([{ name: 'lists', url: upstream }]);
    expect(digest(replica)).toBe(digest(writer));
    const page = await (await fetch(`${served.url}/lists/_/text/mirror/raw`)).text();
    expect(page).toContain(`It is itself a mirror of ${upstream}`);
    expect(page).toContain(`  lorekeeper mirror --data DIR --inbox lists ${upstream}\n`);
    await served.close();
    await files.close();
  });
});
