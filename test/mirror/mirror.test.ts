// `lorekeeper mirror` against real public-inbox inboxes served by public-inbox-httpd: the mirror
// answers as an mbox ingest of the same mail does, follows new mail, removals (learn rm), edits
// and purges upstream, ends equal to a fresh mirror, and refuses what is not an inbox. A v1 inbox,
// --epochs and servers without a manifest are in mirror.long.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCliBeside, runCliHere } from '../helpers/cli.js';
import { serveFiles } from '../helpers/file-server.js';
import { appOver, midUrl } from '../helpers/app.js';
import { digestOf, mailDigestOf } from '../helpers/store.js';
import { firstMid, havePublicInbox, PublicInboxHome, type Httpd } from '../helpers/public-inbox.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { openDatabase, storePath } from '../../src/store/open-database.js';
import { StoreReader } from '../../src/store/reader.js';

const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const virtio = readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox'));
const LISTS = [...vfio, ...virtio];
/** Patch 2/3 of the virtio_ring series: two replies answer it. */
const PATCH_2 = '20230315185458.11638-3-feliu@nvidia.com';
/** David Edmondson's Reviewed-by of patch 2/3. */
const REVIEW_2 = 'm2ttyjhh4m.fsf@oracle.com';
type Row = { num: number; tid: number };
const byMid = (mid: string) => LISTS.find((m) => firstMid(m) === mid) as Buffer;

type Summary = ReturnType<typeof jsonSummary> & { removed: number; edited: number; fetchedBytes: number };
// (the messages parsed in the command's own thread: these tests are about mirroring, and starting a
// pool of parsers costs a small ingest half of its CPU)
const mirrorArgs = (data: string) => ['--data', data, '--inbox', 'lists', '--json', '--jobs', '0'];
const mirror = (data: string, url: string, ...args: string[]) =>
  runCliHere(['mirror', ...mirrorArgs(data), ...args, url]);
const mirrored = async (data: string, url: string, ...args: string[]) =>
  jsonSummary(await mirror(data, url, ...args)) as Summary;
const digest = digestOf;

describe.skipIf(!havePublicInbox())('lorekeeper mirror of public-inbox inboxes', () => {
  const pi = new PublicInboxHome();
  let httpd: Httpd;
  let lists: string;
  let listsDir: string;
  /** The mirror kept current through every change upstream. */
  const kept = tempDir();
  beforeAll(async () => {
    listsDir = pi.inbox(
      'lists',
      2,
      LISTS.map((add) => ({ add })),
    );
    writeFileSync(join(listsDir, 'description'), 'vfio and virtio_ring threads\n');
    httpd = await pi.serve('/lists/manifest.js.gz');
    lists = `${httpd.url}/lists/`;
  });
  afterAll(async () => httpd?.stop());

  it('mirrors a v2 inbox into a store that answers as an mbox ingest of the same mail', async () => {
    const s = await mirrored(kept, lists);
    expect(s).toMatchObject({ read: 107, added: 107, duplicates: 0, quarantined: 0, removed: 0, edited: 0 });
    expect(s.fetchedBytes).toBeGreaterThan(100_000);
    // the epoch is upstream's, commit for commit, where public-inbox-clone puts it
    const epoch = join(kept, 'inboxes', 'lists', 'git', '0.git');
    const head = (dir: string) => execFileSync('git', ['--git-dir', dir, 'rev-parse', 'HEAD']).toString();
    expect(head(epoch)).toBe(head(join(listsDir, 'git', '0.git')));

    const mbox = join(tempDir(), 'lists.mbox');
    writeFileSync(mbox, Buffer.concat(LISTS.map(toMboxrd)));
    const byMbox = tempDir();
    jsonSummary(
      await runCliHere([
        'ingest',
        ...['--data', byMbox, '--inbox', 'lists', '--json', '--jobs', '0'],
        ...['--address', 'lists@example.org', '--description', 'vfio and virtio_ring threads'],
        mbox,
      ]),
    );
    // the same rows, threads, series and index: only the records of their epochs (upstream's, and
    // the ones the mbox ingest wrote) and the mirror's URL differ
    expect(mailDigestOf(kept)).toBe(mailDigestOf(byMbox));
    const [a, b] = await Promise.all([appOver(kept), appOver(byMbox)]);
    for (const [i, raw] of LISTS.entries()) {
      const mid = firstMid(raw);
      // /raw is mboxrd: the blob's bytes behind a From_ line
      const got = await a.fastify.inject(midUrl('lists', mid, 'raw'));
      expect(got.rawPayload.equals(toMboxrd(raw)), mid).toBe(true);
      // a thread page from each stretch of the two threads (each page costs tens of milliseconds)
      if (i % 8) continue;
      const thread = midUrl('lists', mid, 'T/');
      expect((await a.fastify.inject(thread)).body).toBe((await b.fastify.inject(thread)).body);
    }
    expect((await a.fastify.inject('/lists/')).body).toContain('vfio and virtio_ring threads');
    // what the mirror page needs to name where the inbox comes from
    const db = openDatabase(kept, { readonly: true });
    expect(new StoreReader(db).inbox('lists')).toMatchObject({ address: 'lists@example.org', upstream: lists });
    db.close();
    await Promise.all([a.fastify.close(), b.fastify.close()]);
  });

  it('fetches and adds nothing the second time', async () => {
    const before = digest(kept);
    expect(await mirrored(kept, lists)).toMatchObject({ read: 0, added: 0, removed: 0, edited: 0, fetchedBytes: 0 });
    expect(digest(kept)).toBe(before);
  });

  it('follows new mail, a removal and an edit upstream, and ends equal to a fresh mirror', async () => {
    // a server reading the store all along: what it cached before must not outlive the changes
    const app = await appOver(kept);
    expect((await app.fastify.inject(midUrl('lists', PATCH_2, 'raw'))).statusCode).toBe(200);
    expect((await app.fastify.inject(midUrl('lists', REVIEW_2, 'raw'))).body).toContain('Reviewed-by: David');
    const seed = readFileSync(fixture('seed-000-qemu-devel.eml'));
    pi.mda('lists@example.org', seed);
    pi.learnRm(byMid(PATCH_2));
    pi.edit(listsDir, REVIEW_2, 'Reviewed-by: David Edmondson', 'Acked-by: David Edmondson');
    const r = await mirror(kept, lists);
    expect(jsonSummary(r)).toMatchObject({ read: 1, added: 1, removed: 1, edited: 1 });
    expect(r.stderr).toContain('was rewritten upstream (public-inbox-edit or -purge): 1 edited');

    const fresh = tempDir();
    expect(await mirrored(fresh, lists)).toMatchObject({ read: 108, added: 108, removed: 1 });
    expect(digest(kept)).toBe(digest(fresh));

    expect((await app.fastify.inject(midUrl('lists', PATCH_2, 'raw'))).statusCode).toBe(404);
    const edited = (await app.fastify.inject(midUrl('lists', REVIEW_2, 'raw'))).body;
    expect(edited).toContain('Acked-by: David Edmondson');
    expect(edited).not.toContain('Reviewed-by: David Edmondson');
    // the patch's replies still hang from it in its thread, as [not found]
    const thread = (await app.fastify.inject(midUrl('lists', REVIEW_2, 'T/'))).body;
    expect(thread).toContain('[not found]');
    expect((await app.fastify.inject(midUrl('lists', firstMid(seed), 'raw'))).statusCode).toBe(200);
    await app.fastify.close();
  });

  it('takes out a message purged upstream, its number never given again', async () => {
    const victim = firstMid(vfio[20]);
    // no new mail comes with it: the removal alone must make the server's cached answer stale
    const app = await appOver(kept);
    expect((await app.fastify.inject(midUrl('lists', victim, 'raw'))).statusCode).toBe(200);
    pi.purge(vfio[20]);
    const r = await mirror(kept, lists);
    expect(jsonSummary(r)).toMatchObject({ read: 0, removed: 1, edited: 0 });
    expect(r.stderr).toContain('0 edited and 1 purged');
    expect((await app.fastify.inject(midUrl('lists', victim, 'raw'))).statusCode).toBe(404);
    await app.fastify.close();
    // a fresh mirror holds the same messages under the same numbers
    const fresh = tempDir();
    await mirrored(fresh, lists);
    const numbered = (data: string) => {
      const db = openDatabase(data, { readonly: true });
      const rows = db.prepare('SELECT num, mid FROM msg WHERE num > 0 ORDER BY num').all();
      db.close();
      return rows;
    };
    expect(numbered(kept)).toEqual(numbered(fresh));
    // and the same threads (the same messages together; only their ids differ, as README says),
    // series, ghosts and Message-IDs
    const held = (data: string) => {
      const db = openDatabase(data, { readonly: true });
      const threads = new Map<number, number[]>();
      for (const r of db.prepare('SELECT num, tid FROM msg WHERE num > 0 ORDER BY num').all() as Row[])
        threads.set(r.tid, [...(threads.get(r.tid) ?? []), r.num]);
      const out = {
        threads: [...threads.values()].sort((a, b) => a[0] - b[0]),
        series: db.prepare('SELECT id, version, total, cover_num, first_num, title, present, chain FROM series').all(),
        ghosts: db.prepare('SELECT i.mid FROM id2num x JOIN msgid i ON i.id = x.id WHERE x.num < 0 ORDER BY 1').all(),
        mids: db.prepare('SELECT mid FROM msgid ORDER BY mid').all(),
      };
      db.close();
      return out;
    };
    expect(held(kept)).toEqual(held(fresh));
    // the digest differs by those thread ids, as README says (a change that makes them equal says so there)
    expect(digest(kept)).not.toBe(digest(fresh));
  });

  it('refuses an unreachable server, a URL with no inbox, and a repository that is no inbox, leaving nothing', async () => {
    const data = join(tempDir(), 'data');
    const closed = await mirror(data, 'http://127.0.0.1:1/lists/');
    expect(closed.status).toBe(1);
    expect(closed.stderr).toContain('cannot reach http://127.0.0.1:1/lists/manifest.js.gz');
    const none = await mirror(data, `${httpd.url}/nothing-here/`);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(
      'has no manifest.js.gz (404) and no git repository at git/0.git, 0 or the URL itself',
    );
    expect(existsSync(data)).toBe(false);

    // a git repository served over plain HTTP that holds a project, not mail
    const project = tempDir();
    execFileSync('git', ['init', '-q', project]);
    writeFileSync(join(project, 'README'), 'not mail\n');
    const git = (...a: string[]) => execFileSync('git', ['-C', project, ...a]);
    git('add', 'README');
    git('-c', 'user.name=x', '-c', 'user.email=x@example.org', 'commit', '-q', '-m', 'x');
    const site = tempDir();
    execFileSync('git', ['clone', '-q', '--bare', project, join(site, 'project')]);
    const server = await serveFiles(site);
    const r = await runCliBeside([
      'mirror',
      '--data',
      data,
      '--inbox',
      'lists',
      '--jobs',
      '0',
      `${server.url}/project/`,
    ]);
    await server.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is not a public-inbox archive: its newest commit holds README');
    expect(existsSync(join(data, 'inboxes', 'lists'))).toBe(false);
    expect(existsSync(storePath(data))).toBe(false);
  });
});
