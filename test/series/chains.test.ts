// Version chains: the signals that join versions, and an administrator's links and unlinks from
// the command line reaching a running server's pages.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainSeries, type ChainInput } from '../../src/series/chains.js';
import { fixtureStore } from '../helpers/store.js';
import { NO_TARGET } from '../../src/mail/subject.js';
import { appOver, midUrl } from '../helpers/app.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { openDatabase } from '../../src/store/open-database.js';
import { SeriesWriter } from '../../src/store/series-writer.js';
import { storeDigest } from '../../src/store/digest.js';
import { ingest } from '../../src/ingest/ingest.js';
import { readMbox } from '../helpers/mbox.js';

function series(id: number, over: Partial<ChainInput> = {}): ChainInput {
  return {
    id,
    tid: id,
    title: `series ${id}`,
    authorAddr: `a${id}@example.org`,
    changeId: null,
    patchIds: [],
    mids: [`${id}@m`],
    answers: [],
    target: NO_TARGET,
    ...over,
  };
}

const chainsOf = (list: ChainInput[], links = [] as { aMid: string; bMid: string; linked: boolean }[]) => {
  const out = chainSeries(list, links);
  return list.map((s) => out.get(s.id));
};

describe('version chains', () => {
  it('joins versions by change-id, by answering the older thread, and by title and author', () => {
    const list = [
      series(1, { changeId: '20240101-foo-abc' }),
      series(2, { changeId: '20240101-foo-abc', title: 'renamed' }),
      series(3, { answers: ['2@m'], authorAddr: 'a2@example.org' }),
      series(4, { title: 'Same Title', authorAddr: 'x@example.org' }),
      series(5, { title: 'same  title', authorAddr: 'X@example.org' }),
      series(6, { title: 'Same Title', authorAddr: 'someone.else@example.org' }),
    ];
    expect(chainsOf(list)).toEqual([1, 1, 1, 4, 4, 6]);
  });

  it('joins by patch-ids only when the same author resends at least half of the smaller series', () => {
    const list = [
      series(1, { authorAddr: 'a@x', patchIds: ['p1', 'p2', 'p3', 'p4'] }),
      series(2, { authorAddr: 'a@x', patchIds: ['p1', 'p2', 'q3'] }),
      series(3, { authorAddr: 'a@x', patchIds: ['p4', 'r1', 'r2', 'r3', 'r4'] }),
      series(4, { authorAddr: 'b@x', patchIds: ['p1', 'p2', 'p3', 'p4'] }),
    ];
    expect(chainsOf(list)).toEqual([1, 1, 3, 4]);
  });

  it('keeps unlinked series apart however many signals join them through other versions', () => {
    const list = [
      series(1, { title: 't', authorAddr: 'a@x' }),
      series(2, { title: 't', authorAddr: 'a@x' }),
      series(3, { title: 't', authorAddr: 'a@x' }),
    ];
    expect(chainsOf(list)).toEqual([1, 1, 1]);
    const apart = chainsOf(list, [{ aMid: '1@m', bMid: '3@m', linked: false }]);
    expect(apart[0]).not.toBe(apart[2]);
    expect(
      chainsOf(list, [
        { aMid: '1@m', bMid: '2@m', linked: false },
        { aMid: '1@m', bMid: '3@m', linked: false },
      ]),
    ).toEqual([1, 2, 2]);
    expect(chainsOf([series(1), series(2)], [{ aMid: '2@m', bMid: '1@m', linked: true }])).toEqual([1, 1]);
  });

  it('lets an administrator link and unlink versions from the command line, seen by a running server', async () => {
    const dir = fixtureStore();
    const app = await appOver(dir);
    try {
      // qemu-devel holds two unrelated one-patch series: seed 000's patch 91/109 and seed 003's RFC
      const a = '20200121122433.50803-92-dgilbert@redhat.com';
      const b = '57E38D7D.1050806@huawei.com';
      const versions = async () =>
        (
          (await app.fastify.inject({ url: midUrl('qemu-devel', a, 'series.json') })).json() as {
            versions: { version: number }[];
          }
        ).versions.length;
      expect(await versions()).toBe(1);

      const linked = await runCliHere(['series', 'link', '--data', dir, `<${a}>`, b]);
      expect(linked.status, linked.stderr).toBe(0);
      expect(linked.stdout).toMatch(
        /^v1 1\/1 <57E38D7D\.1050806@huawei\.com> kvm: x86: handle.*\nv2 1\/109 incomplete <20200121122433\.50803-92-dgilbert@redhat\.com> virtiofsd/,
      );
      expect(await versions()).toBe(2);
      const page = (await app.fastify.inject({ url: midUrl('qemu-devel', a, 'series/') })).body;
      expect(page).toContain(`versions: <a\nhref="../../${b}/series/">v1</a> <b>v2</b>`);

      const unlinked = await runCliHere(['series', 'unlink', '--data', dir, a, b]);
      expect(unlinked.status, unlinked.stderr).toBe(0);
      expect(await versions()).toBe(1);

      const bad = await runCliHere(['series', 'link', '--data', dir, a, 'nowhere@example.org']);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe('lorekeeper: no patch series holds <nowhere@example.org>\n');
      expect((await runCliHere(['series', 'link', '--data', dir, a])).status).toBe(2);
    } finally {
      await app.fastify.close();
    }
  });
});

describe('series between a batch and the end of its ingest', () => {
  it('are chained from the lineages of the new series alone, as a relink of every series chains them', async () => {
    // every message its own ingest run, so that each relink reads only what its new series may be
    // chained with: versions by title, change-id and patch-ids, aimed at different targets
    const mbox = fixture('chain-targets.mbox');
    const [whole, each] = [tempDir(), tempDir()];
    const opts = { inbox: 'virtualization', jobs: 0, epochs: false } as const;
    await ingest({ ...opts, dataDir: whole, sources: [mbox] });
    for (const [i, raw] of readMbox(mbox).entries()) {
      const file = join(each, `${i}.eml`);
      writeFileSync(file, raw);
      await ingest({ ...opts, dataDir: each, sources: [file] });
    }
    const db = openDatabase(each);
    const fresh = openDatabase(whole, { readonly: true });
    try {
      const chains = () =>
        db.prepare<[], { id: number; chain: number }>('SELECT id, chain FROM series ORDER BY id').all();
      const found = chains();
      expect(new Set(found.map((r) => r.chain)).size, 'versions chained').toBeLessThan(found.length - 3);
      // the store made run by run is the store made in one
      expect(storeDigest(db)).toBe(storeDigest(fresh));
      // and a relink of every series from scratch changes no chain
      new SeriesWriter(db).relinkAll();
      expect(chains()).toEqual(found);
    } finally {
      db.close();
      fresh.close();
    }
  });

  it('keep their chain, so pages read meanwhile show them whole, and the relink invalidates cached pages', async () => {
    const dir = fixtureStore();
    const app = await appOver(dir);
    const db = openDatabase(dir);
    try {
      const cover = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
      const json = async () =>
        (await app.fastify.inject({ url: midUrl('iommu', cover, 'series.json') })).json() as {
          versions: { version: number; patches: unknown[] }[];
        };
      expect((await json()).versions).toHaveLength(1);
      // what a batch's commit does when new mail joins the thread: the series are assembled again;
      // here the cover letter has a change-id it did not have (what chains are made of changed)
      const tid = db.prepare('SELECT tid FROM msg WHERE mid = ?').pluck().get(cover) as number;
      db.prepare(`UPDATE msg SET change_id = '20200910-vfio-sva' WHERE mid = ?`).run(cover);
      new SeriesWriter(db).rebuild([tid]);
      const during = await json();
      expect(during.versions.map((v) => [v.version, v.patches.length])).toEqual([[7, 16]]);
      expect((await app.fastify.inject({ url: midUrl('iommu', cover, 'series/') })).statusCode).toBe(200);
      const before = db.prepare(`SELECT val FROM counter WHERE key = 'edits'`).pluck().get() as number;
      new SeriesWriter(db).relinkDirty();
      expect(db.prepare(`SELECT val FROM counter WHERE key = 'edits'`).pluck().get()).toBe(before + 1);
    } finally {
      db.close();
      await app.fastify.close();
    }
  });

  it('are worked out again only when what they are made of changed: not for a review, but for a new series', async () => {
    const dir = fixtureStore();
    const db = openDatabase(dir);
    try {
      const edits = () => db.prepare(`SELECT val FROM counter WHERE key = 'edits'`).pluck().get() as number;
      const chains = () => db.prepare('SELECT id, chain FROM series ORDER BY id').all();
      const reviews = () => db.prepare('SELECT sum(reviews) FROM series').pluck().get() as number;
      const cover = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
      const patch1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
      const [e0, c0, r0] = [edits(), chains(), reviews()];
      // a review of the first patch: the series is assembled again (one review more), its chain stays
      const review = join(tempDir(), 'review.eml');
      writeFileSync(
        review,
        `Message-ID: <review-1@example.org>\nFrom: Rev Iewer <rev@example.org>\nTo: iommu@lists.linux-foundation.org\n` +
          `Date: Fri, 11 Sep 2020 10:00:00 +0000\nSubject: Re: [PATCH v7 01/16] iommu: Report domain nesting info\n` +
          `In-Reply-To: <${patch1}>\nReferences: <${cover}> <${patch1}>\n\nLooks good.\n\nReviewed-by: Rev Iewer <rev@example.org>\n`,
      );
      expect(jsonSummary(await runCliHere(['ingest', '--data', dir, '--inbox', 'iommu', '--json', review])).added).toBe(
        1,
      );
      expect(reviews(), 'the series was assembled again: one review more').toBe(r0 + 1);
      expect(chains(), 'every chain as it was').toEqual(c0);
      expect(edits(), 'no relink: no edit').toBe(e0);
      // what a relink from scratch finds is what the store holds
      new SeriesWriter(db).relinkAll();
      expect(chains()).toEqual(c0);
      // a new series (another thread): its inbox's chains are worked out again
      const e1 = edits();
      const series = () => db.prepare('SELECT count(*) FROM series').pluck().get() as number;
      const n = series();
      await runCliHere(['ingest', '--data', dir, '--inbox', 'iommu', fixture('virtio-ring-cleanup-v2.thread.mbox')]);
      expect(series()).toBe(n + 1);
      expect(edits()).toBe(e1 + 1);
    } finally {
      db.close();
    }
  });
});
