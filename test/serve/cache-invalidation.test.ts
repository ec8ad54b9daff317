// New mail drops only the cached pages it changed, and never leaves one stale: after each change
// (a thread grows, ghosts are filled, threads merge, a loose subject match arrives, a copy of a
// Message-ID arrives elsewhere, a message is removed, an administrator links series, a maintainer
// sets a patch's state, a patch is found applied), every page a warm server answers equals what a
// server with an empty cache answers; and the bodies rendered at ingest are never stale either:
// every page equals the one rendered from scratch, with the stored bodies missing or left by
// another renderer version.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { openDatabase, STORE_FILE } from '../../src/store/open-database.js';
import { StoreWriter } from '../../src/store/writer.js';
import { compressHtml } from '../../src/store/html-codec.js';
import { AppliedRecords } from '../../src/store/applied-records.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { injectTurn, midUrl } from '../helpers/app.js';
import { openReader } from '../helpers/store.js';
import { runCli } from '../helpers/cli.js';

const THREAD = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
/** The thread arrives in halves: the first leaves ghosts (replies whose parents are in the second). */
const FIRST = THREAD.filter((_m, i) => i % 2 === 1);
const SECOND = THREAD.filter((_m, i) => i % 2 === 0);
const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';

function mboxOf(dir: string, name: string, messages: Buffer[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(messages.map(toMboxrd)));
  return path;
}

/** A new message of its own: same subject as the cover letter (a loose match), or a reused id. */
function mail(mid: string, subject: string, extra = ''): Buffer {
  return Buffer.from(
    `From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <${mid}>\nFrom: Eve <eve@example.org>\n` +
      `To: iommu@lists.linux-foundation.org\nDate: Mon, 21 Sep 2020 10:00:00 +0000\nSubject: ${subject}\n${extra}\n` +
      `a message of its own\n`,
  );
}

describe('cached pages after new mail', () => {
  let dir: string;
  let warm: App;
  let urls: string[];

  /** Mail ingested into the store by another process, as a mail server's ingest runs beside the server. */
  const ingestBeside = (source: string) =>
    runCli(['ingest', '--data', dir, '--inbox', 'iommu', '--json', '--jobs', '0', source]);

  /** Every page of every message, thread and series, and the inbox-wide pages. */
  function allUrls(): string[] {
    const { db } = openReader(dir);
    const mids = db.prepare('SELECT mid FROM msg WHERE num > 0 ORDER BY num').pluck().all() as string[];
    db.close();
    const out = ['/', '/iommu/', '/iommu/new.atom', '/iommu/series/', '/iommu/?q=pasid', '/all/', '/all/new.atom'];
    // every message's page and bytes; the pages of its thread and series for two messages, one of
    // each half of the thread (they are alike for every message of a thread, and each costs a whole
    // thread to render: t.atom and t.mbox.gz 35-50 ms each)
    mids.forEach((mid, i) => {
      out.push(midUrl('iommu', mid), midUrl('iommu', mid, 'raw'));
      if (i % 42 !== 0) return;
      for (const end of ['T/', 't/', 't.mbox.gz', 't.atom', 'series/', 'series.json', 'd/']) {
        out.push(midUrl('iommu', mid, end));
      }
      out.push(midUrl('all', mid), midUrl('all', mid, 'T/'));
    });
    return [...new Set([...out, ...(urls ?? [])])];
  }

  async function answers(app: App, list: string[]) {
    const out: { url: string; status: number; location?: string; body: string }[] = [];
    for (const url of list) {
      const r = await injectTurn(app, { url, headers: { host: 'lore.test' } });
      out.push({ url, status: r.statusCode, location: r.headers.location as string | undefined, body: r.body });
    }
    return out;
  }

  /**
   * A copy of the store whose bodies must all be rendered by the pages: half of them not stored,
   * the other half stored by "another renderer version" (and wrong).
   */
  function withoutStoredBodies(): string {
    const copy = tempDir();
    const from = openDatabase(dir);
    from.prepare('VACUUM INTO ?').run(join(copy, STORE_FILE));
    from.close();
    const db = openDatabase(copy);
    const stored = db.prepare('SELECT count(*) FROM body_html').pluck().get() as number;
    expect(stored).toBeGreaterThan(20);
    db.prepare('DELETE FROM body_html WHERE num % 2 = 0').run();
    db.prepare('UPDATE body_html SET version = version + 1, html = ?').run(compressHtml('<b>stale</b>'));
    db.close();
    return copy;
  }

  /**
   * The warm server answers every page as a cold one does; with `bodies`, also as one that renders
   * every body itself does (on the pages that show bodies).
   */
  async function expectFresh(bodies = false): Promise<number> {
    urls = allUrls();
    const cold = await buildApp({ dataDir: dir });
    const scratch = bodies ? await buildApp({ dataDir: withoutStoredBodies() }) : undefined;
    try {
      const want = await answers(cold, urls);
      const differ = (got: Awaited<ReturnType<typeof answers>>, list = urls) =>
        got.filter((g, i) => JSON.stringify(g) !== JSON.stringify(want[urls.indexOf(list[i])])).map((g) => g.url);
      expect(differ(await answers(warm, urls))).toEqual([]);
      if (scratch) {
        const withBodies = urls.filter((u) => /\/(T\/|t\/|t\.atom|series\/)?$/.test(u));
        expect(differ(await answers(scratch, withBodies), withBodies)).toEqual([]);
      }
    } finally {
      await cold.fastify.close();
      await scratch?.fastify.close();
    }
    return warm.cache.stats().entries;
  }

  beforeAll(async () => {
    dir = tempDir();
    const src = tempDir();
    await ingest({
      dataDir: dir,
      inbox: 'iommu',
      address: 'iommu@lists.linux-foundation.org',
      sources: [mboxOf(src, 'first.mbox', FIRST)],
      jobs: 0,
    });
    warm = await buildApp({ dataDir: dir });
    await answers(warm, allUrls());
  });
  afterAll(() => warm.fastify.close());

  it('keeps pages of other threads cached and drops the ones the new mail touched', async () => {
    const cached = warm.cache.stats().entries;
    expect(cached).toBeGreaterThan(80);
    // a message of a thread of its own: no page of the vfio thread depends on it
    const other = ingestBeside(fixture('seed-003-kvm.eml'));
    expect(other.status, other.stderr).toBe(0);
    await warm.fastify.inject({ url: '/iommu/', headers: { host: 'lore.test' } });
    expect(warm.cache.stats().entries).toBeGreaterThan(cached - 20);
    await expectFresh();
  });

  it('after the second half of the thread arrives: ghosts filled, subthreads joined', async () => {
    const r = ingestBeside(mboxOf(tempDir(), 's.mbox', SECOND));
    expect(r.status, r.stderr).toBe(0);
    await expectFresh(true);
  });

  it('after a loose subject match and a reused Message-ID in another thread', async () => {
    const src = tempDir();
    const loose = mail(
      'loose-1@example.org',
      'Re: [PATCH v7 00/16] vfio: expose virtual Shared Virtual Addressing to VMs',
    );
    const copy = mail(PATCH1, 'another message under a reused id', 'In-Reply-To: <elsewhere@example.org>\n');
    const r = ingestBeside(mboxOf(src, 'x.mbox', [loose, copy]));
    expect(r.status, r.stderr).toBe(0);
    await expectFresh();
  });

  it('after a message is removed (as upstream removes it) and after series are linked', async () => {
    const db = openDatabase(dir);
    const w = new StoreWriter(db);
    const num = db.prepare('SELECT num FROM msg WHERE mid = ? AND num > 0').pluck().get(COVER) as number;
    w.begin();
    w.remove(num);
    w.commit();
    w.finish();
    db.close();
    await expectFresh(true);
    const linked = runCli(['series', 'link', '--data', dir, PATCH1, '20200121122433.50803-92-dgilbert@redhat.com']);
    // no series holds the qemu-devel message in this store: the command says so and changes nothing
    expect(linked.status).toBe(1);
    await expectFresh();
  });

  it("after a maintainer sets a patch's state and a patch is found applied", async () => {
    const patch2 = '1599734733-6431-3-git-send-email-yi.l.liu@intel.com';
    const before = (await warm.fastify.inject({ url: midUrl('iommu', patch2, 'series/') })).body;
    const r = runCli(['series', 'state', '--data', dir, '--by', 'Alex', PATCH1, 'changes-requested']);
    expect(r.status, r.stderr).toBe(0);
    expect(await expectFresh()).toBeGreaterThan(80);
    const db = openDatabase(dir);
    const num = db.prepare('SELECT num FROM msg WHERE mid = ? AND num > 0').pluck().get(patch2) as number;
    const scan = { inboxId: 1, repo: 'linux', branch: 'refs/heads/master', path: '/src/linux/.git', tip: 'c0ffee' };
    new AppliedRecords(db).record(scan, [{ num, commit: '0123456789abcdef0123456789abcdef01234567', how: 'patch-id' }]);
    db.close();
    await expectFresh();
    const after = (await warm.fastify.inject({ url: midUrl('iommu', patch2, 'series/') })).body;
    expect(before).not.toContain('state: changes-requested (set by Alex');
    expect(after).toContain('state: changes-requested (set by Alex');
    expect(after).toContain('state: accepted, in linux master as 0123456789ab');
  });
});
