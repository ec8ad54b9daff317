// `lorekeeper mirror` of more public-inbox inbox shapes, served by public-inbox-httpd (the rest is in
// mirror.test.ts): a v1 inbox kept current through a removal and new mail, ending equal to a fresh
// mirror; a v2 inbox of two epochs taken as --epochs names them, and the other one when asked.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { digestOf } from '../helpers/store.js';
import { buildRepo, havePublicInbox, PublicInboxHome, type Httpd } from '../helpers/public-inbox.js';

const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const virtio = readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox'));
const vsock = readMbox(fixture('vsock-multicid.thread.mbox'));
type Summary = ReturnType<typeof jsonSummary> & { removed: number };
const digest = digestOf;

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
