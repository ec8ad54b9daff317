// `lorekeeper mirror` of more public-inbox inbox shapes, served by public-inbox-httpd (the rest is in
// mirror.test.ts): a v1 inbox kept current through a removal and new mail, ending equal to a fresh
// mirror; a v2 inbox of two epochs taken as --epochs names them, and the other one when asked; a
// server without a manifest (epochs found where public-inbox-clone probes), and an epoch that fails
// to clone while the one before it is taken.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli, runCliBeside, runCliHere } from '../helpers/cli.js';
import { serveFiles } from '../helpers/file-server.js';
import { have } from '../helpers/programs.js';
import { digestOf, mailDigestOf } from '../helpers/store.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { openDatabase } from '../../src/store/open-database.js';
import { buildRepo, havePublicInbox, PublicInboxHome, type Httpd } from '../helpers/public-inbox.js';

const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const virtio = readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox'));
const vsock = readMbox(fixture('vsock-multicid.thread.mbox'));
type Summary = ReturnType<typeof jsonSummary> & { removed: number };
const digest = digestOf;
const LISTS = [...vfio, ...virtio];
// (as in mirror.test.ts: the messages parsed in the command's own thread)
const mirrorArgs = (data: string) => ['--data', data, '--inbox', 'lists', '--json', '--jobs', '0'];

describe.skipIf(!havePublicInbox())('lorekeeper mirror of a v1 inbox and of chosen epochs', () => {
  const pi = new PublicInboxHome();
  let httpd: Httpd;
  beforeAll(async () => {
    pi.inbox(
      'vsock',
      1,
      vsock.slice(0, 6).map((add) => ({ add })),
    );
    const two = pi.inbox('two', 2, []);
    buildRepo(
      join(two, 'git', '0.git'),
      vfio.map((add) => ({ add })),
      2,
    );
    buildRepo(
      join(two, 'git', '1.git'),
      virtio.map((add) => ({ add })),
      2,
    );
    httpd = await pi.serve('/two/manifest.js.gz');
  });
  afterAll(async () => httpd?.stop());

  it('mirrors a v1 inbox, removals included', () => {
    const data = tempDir();
    const vsockUrl = `${httpd.url}/vsock/`;
    const run = (d: string) =>
      jsonSummary(runCli(['mirror', '--data', d, '--inbox', 'vsock', '--json', vsockUrl])) as Summary;
    expect(run(data)).toMatchObject({ read: 6, added: 6 });
    expect(readdirSync(join(data, 'inboxes', 'vsock'))).toContain('HEAD');
    pi.learnRm(vsock[2]);
    pi.mda('vsock@example.org', vsock[6]);
    expect(run(data)).toMatchObject({ read: 1, added: 1, removed: 1 });
    const fresh = tempDir();
    expect(run(fresh)).toMatchObject({ read: 7, removed: 1 });
    expect(digest(data)).toBe(digest(fresh));
  });

  it('takes the epochs --epochs names, and the others when asked later', () => {
    const data = tempDir();
    const two = `${httpd.url}/two/`;
    const run = (...args: string[]) =>
      jsonSummary(runCli(['mirror', '--data', data, '--inbox', 'two', '--json', ...args, two])) as Summary;
    expect(run('--epochs', '~0')).toMatchObject({ read: 23 });
    expect(readdirSync(join(data, 'inboxes', 'two', 'git'))).toEqual(['1.git']);
    expect(run('--epochs', '0..')).toMatchObject({ read: 84 });
    expect(readdirSync(join(data, 'inboxes', 'two', 'git')).sort()).toEqual(['0.git', '1.git']);
    const r = runCli(['mirror', '--data', data, '--inbox', 'two', '--epochs', '2..', two]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--epochs 2..');
  });
});

describe.skipIf(!have('git'))('lorekeeper mirror of a server without manifest.js.gz', () => {
  it('finds the epochs where public-inbox-clone probes for them, and mirrors them', async () => {
    const site = tempDir();
    buildRepo(
      join(site, 'lists', 'git', '0.git'),
      vfio.map((add) => ({ add })),
      2,
    );
    buildRepo(
      join(site, 'lists', 'git', '1.git'),
      virtio.map((add) => ({ add })),
      2,
    );
    const server = await serveFiles(site);
    const data = tempDir();
    const r = await runCliBeside(['mirror', ...mirrorArgs(data), `${server.url}/lists/`]);
    const again = await runCliBeside(['mirror', ...mirrorArgs(data), `${server.url}/lists/`]);
    await server.close();
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 107, added: 107 });
    expect(JSON.parse(again.stdout)).toMatchObject({ read: 0, fetchedBytes: 0 });
    expect(readdirSync(join(data, 'inboxes', 'lists', 'git')).sort()).toEqual(['0.git', '1.git']);
    // taken in order while epoch 1 was cloned beside epoch 0's ingest: the store of the same mail as an mbox
    const mbox = join(tempDir(), 'lists.mbox');
    writeFileSync(mbox, Buffer.concat(LISTS.map(toMboxrd)));
    const byMbox = tempDir();
    await runCliHere(['ingest', '--data', byMbox, '--inbox', 'lists', '--jobs', '0', mbox]);
    expect(mailDigestOf(data)).toBe(mailDigestOf(byMbox));
  });

  it('takes each epoch while the next one clones: one that fails to clone leaves those before it taken', async () => {
    const site = tempDir();
    buildRepo(
      join(site, 'lists', 'git', '0.git'),
      vfio.map((add) => ({ add })),
      2,
    );
    // the manifest lists epoch 1 before the server has it
    const listed = { '/lists/git/0.git': {}, '/lists/git/1.git': {} };
    writeFileSync(join(site, 'lists', 'manifest.js.gz'), gzipSync(JSON.stringify(listed)));
    const server = await serveFiles(site);
    const data = tempDir();
    const url = `${server.url}/lists/`;
    const failed = await runCliBeside(['mirror', ...mirrorArgs(data), url]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`git clone of ${server.url}/lists/git/1.git failed`);
    // epoch 0 was taken meanwhile and stays, committed; no half clone of epoch 1 is left
    expect(readdirSync(join(data, 'inboxes', 'lists', 'git'))).toEqual(['0.git']);
    const db = openDatabase(data, { readonly: true });
    const stored = db.prepare('SELECT count(*) FROM msg WHERE num > 0').pluck().get();
    db.close();
    expect(stored).toBe(vfio.length);

    buildRepo(
      join(site, 'lists', 'git', '1.git'),
      virtio.map((add) => ({ add })),
      2,
    );
    execFileSync('git', ['--git-dir', join(site, 'lists', 'git', '1.git'), 'update-server-info']);
    const rest = await runCliBeside(['mirror', ...mirrorArgs(data), url]);
    const fresh = tempDir();
    await runCliBeside(['mirror', ...mirrorArgs(fresh), url]);
    await server.close();
    expect(JSON.parse(rest.stdout)).toMatchObject({ read: virtio.length, added: virtio.length });
    expect(digest(data)).toBe(digest(fresh));
  });
});
