// Patch series on real threads: the vfio vSVA v7 series (cover letter, 16 patches, in-body From:
// lines) and a reviewed virtio_ring v2 series (trailers in replies and on the cover letter),
// compared with what `b4 am` wrote for the same threads against public-inbox 1.9:
//   b4 am    1599734733-6431-1-git-send-email-yi.l.liu@intel.com -> fixtures/expected/b4-am-vfio-v7.mbx
//   b4 am -t 20230315185458.11638-1-feliu@nvidia.com             -> fixtures/expected/b4-am-t-virtio-ring-v2.mbx
// (b4 0.12 applies cover-letter trailers with -t; later b4 and lorekeeper always do.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixture, tempDir } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';
import { fakeBase, mboxBodies } from '../helpers/fake-base.js';
import type { App } from '../../src/serve/app.js';

const VFIO_COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const VFIO_PATCH_3 = '1599734733-6431-4-git-send-email-yi.l.liu@intel.com';
const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
const RING_PATCH_2 = '20230315185458.11638-3-feliu@nvidia.com';
/** A reply in the ring thread: Jason Wang's Acked-by on patch 1. */
const RING_REPLY = 'CACGkMEvPtS9pGqkxr6=UJj7myQZw8A2qMdV2CnPtksDESvn5Gg@mail.gmail.com';

interface SeriesJson {
  versions: {
    version: number;
    cover: string | null;
    total: number;
    complete: boolean;
    patches: {
      index: number;
      messageId: string;
      subject: string;
      trailers: { name: string; value: string; messageId: string; source: string }[];
    }[];
  }[];
}

/** Per patch, the trailer lines after the commit message (the lines before `---`). */
function trailerBlocks(mbox: string): string[][] {
  return mboxBodies(mbox).map((body) => {
    const head = body.slice(0, body.search(/^---$/m));
    const paras = head.trimEnd().split('\n\n');
    return paras[paras.length - 1].split('\n');
  });
}

/**
 * b4 orders follow-up trailers as its mailsplit directory lists files, which varies with the file
 * system; everything else must be byte for byte the same.
 */
function sortTrailerBlocks(mbox: string): string {
  return mbox.replace(
    /((?:^[A-Z][\w-]*: .*\n)+)(?=---\n)/gm,
    (block) => block.split('\n').slice(0, -1).sort().join('\n') + '\n',
  );
}

describe('patch series on real threads', () => {
  let app: App;
  const get = async (url: string) => app.fastify.inject({ url });
  beforeAll(async () => {
    const dir = fixtureStore();
    app = await appOver(dir);
  });
  afterAll(async () => app.fastify.close());

  it('finds vfio vSVA v7: its cover letter and all 16 patches, from any message of the thread', async () => {
    for (const mid of [VFIO_COVER, VFIO_PATCH_3]) {
      const res = await get(midUrl('iommu', mid, 'series.json'));
      expect(res.statusCode).toBe(200);
      const json = res.json() as SeriesJson;
      expect(json.versions).toHaveLength(1);
      const v = json.versions[0];
      expect(v).toMatchObject({ version: 7, cover: VFIO_COVER, total: 16, complete: true });
      expect(v.patches.map((p) => p.index)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect(v.patches[2].messageId).toBe(VFIO_PATCH_3);
      expect(v.patches[2].subject).toBe('[PATCH v7 03/16] vfio/type1: Report iommu nesting info to userspace');
    }
  });

  it('gives each vfio patch the Reviewed-by, Acked-by and Tested-by lines b4 am gives it', async () => {
    const expected = readFileSync(fixture('expected/b4-am-vfio-v7.mbx'), 'utf8');
    const json = (await get(midUrl('iommu', VFIO_COVER, 'series.json'))).json() as SeriesJson;
    const review = /^(Reviewed|Acked|Tested)-by: /;
    const b4Lines = trailerBlocks(expected).map((b) => b.filter((l) => review.test(l)));
    const ours = json.versions[0].patches.map((p) =>
      p.trailers.filter((t) => review.test(`${t.name}: `)).map((t) => `${t.name}: ${t.value}`),
    );
    expect(ours).toEqual(b4Lines);
    // the reviews the patches carry as sent: Eric Auger's on four, Stefan Hajnoczi's on one
    expect(b4Lines.flat().sort()).toEqual([
      ...Array(4).fill('Reviewed-by: Eric Auger <eric.auger@redhat.com>'),
      'Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>',
    ]);
  });

  it('writes series.mbox exactly as b4 am does, in-body From: lines and folded subjects included', async () => {
    const res = await get(midUrl('iommu', VFIO_PATCH_3, 'series.mbox'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(
      'inline; filename=v7_20200910_liu_yi_l_vfio_expose_virtual_shared_virtual_addressing_to_vms.mbx',
    );
    expect(res.body).toBe(readFileSync(fixture('expected/b4-am-vfio-v7.mbx'), 'utf8'));
  });

  it('collects trailers from replies and from the cover letter as b4 am -t does', async () => {
    const json = (await get(midUrl('virtualization', RING_REPLY, 'series.json'))).json() as SeriesJson;
    const v = json.versions[0];
    expect(v).toMatchObject({ version: 2, cover: RING_COVER, total: 3, complete: true });
    // Xuan Zhuo reviewed the whole series on the cover letter; Jason Wang acked each patch
    for (const p of v.patches) {
      expect(p.trailers).toContainEqual(
        expect.objectContaining({
          name: 'Reviewed-by',
          value: 'Xuan Zhuo <xuanzhuo@linux.alibaba.com>',
          source: 'cover',
        }),
      );
      expect(p.trailers).toContainEqual(
        expect.objectContaining({ name: 'Acked-by', value: 'Jason Wang <jasowang@redhat.com>', source: 'reply' }),
      );
    }
    const ours = (await get(midUrl('virtualization', RING_PATCH_2, 'series.mbox'))).body;
    const b4 = readFileSync(fixture('expected/b4-am-t-virtio-ring-v2.mbx'), 'utf8');
    expect(sortTrailerBlocks(ours)).toBe(sortTrailerBlocks(b4));
    expect(trailerBlocks(ours)[0]).toContain('Acked-by: Jason Wang <jasowang@redhat.com>');
  });

  it('git am applies series.mbox in a repository built for it, and the commits carry the trailers', async () => {
    for (const [inbox, mid, count] of [
      ['iommu', VFIO_COVER, 16],
      ['virtualization', RING_COVER, 3],
    ] as const) {
      const mbox = (await get(midUrl(inbox, mid, 'series.mbox'))).body;
      const repo = tempDir('lk-am-');
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=Lore Tester', '-c', 'user.email=tester@example.org', ...args], {
          cwd: repo,
          encoding: 'utf8',
        });
      git('init', '-q');
      for (const [path, text] of fakeBase(mbox)) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
      git('add', '-A');
      git('commit', '-q', '-m', 'base');
      writeFileSync(join(repo, 'series.mbox'), mbox);
      git('am', '-q', 'series.mbox');
      const log = git('log', '--reverse', '--format=%an <%ae>%n%B%x00', 'HEAD~' + count + '..HEAD')
        .split('\0\n')
        .filter((s) => s.trim());
      expect(log).toHaveLength(count);
      const json = (await get(midUrl(inbox, mid, 'series.json'))).json() as SeriesJson;
      json.versions[0].patches.forEach((p, i) => {
        for (const t of p.trailers) expect(log[i], `patch ${p.index}`).toContain(`${t.name}: ${t.value}`);
      });
      if (inbox === 'iommu') {
        // patch 8's author is the in-body From: line, not the sender
        expect(log[7].split('\n')[0]).toBe('Yi Sun <yi.y.sun@intel.com>');
      } else {
        expect(log[0]).toContain('Reviewed-by: Xuan Zhuo <xuanzhuo@linux.alibaba.com>');
      }
    }
  });

  it('shows the series page from every message: cover, patches with diffstats, ledger', async () => {
    const msg = await get(midUrl('virtualization', RING_REPLY));
    expect(msg.body).toContain(
      'patch series: <a\nhref="series/">[PATCH v2 0/3] virtio_ring: Clean up code for virtio ring and pci</a> (complete)',
    );
    const thread = await get(midUrl('virtualization', RING_REPLY, 'T/'));
    expect(thread.body).toContain('patch series: <a\nhref="../series/">');
    const page = await get(midUrl('virtualization', RING_REPLY, 'series/'));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<b>[PATCH v2 0/3] virtio_ring: Clean up code for virtio ring and pci</b>');
    expect(page.body).toContain('3/3 patches, complete');
    expect(page.body).toContain(
      `href="../../${RING_PATCH_2}/">virtio_ring: Avoid using inline for small functions</a>`,
    );
    expect(page.body).toMatch(/drivers\/virtio\/virtio_ring\.c \| +\d+ \+*-*\n/);
    // the ledger: Xuan Zhuo's review on the cover letter counts for every patch
    expect(page.body).toMatch(
      /<tr><th>Xuan Zhuo &lt;xuanzhuo@linux\.alibaba\.com&gt;<\/th><td>R<\/td><td>R<\/td><td>R<\/td><\/tr>/,
    );
    expect(page.body).toMatch(
      /<tr><th>Jason Wang &lt;jasowang@redhat\.com&gt;<\/th><td>A<\/td><td>A<\/td><td>A<\/td><\/tr>/,
    );
  });

  it('lists series per inbox, newest first, with version, completeness and reviews', async () => {
    const res = await get('/virtualization/series/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(
      `href="../${RING_COVER}/series/">[v2] virtio_ring: Clean up code for virtio ring and pci</a>`,
    );
    expect(res.body).toMatch(/Feng Liu[^,\n]*, 3\/3, 7 reviews/);
    const iommu = await get('/iommu/series/');
    expect(iommu.body).toContain('[v7] vfio: expose virtual Shared Virtual Addressing to VMs');
    // seed 000 is patch 91 of 109, alone: an incomplete series
    expect((await get('/qemu-devel/series/')).body).toMatch(/, 1\/109 incomplete, 0 reviews\n/);
    expect((await get('/kvm/series/')).body).toMatch(/, 1\/1 RFC, 0 reviews\n/);
  });

  it('follows a series in Atom: versions, trailers and replies', async () => {
    const res = await get(midUrl('virtualization', RING_PATCH_2, 'series.atom'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml/);
    expect(res.body).toContain('<title>[v2] new version: virtio_ring: Clean up code for virtio ring and pci</title>');
    expect(res.body).toContain('<title>[v2] Acked-by: Jason Wang &lt;jasowang@redhat.com&gt;</title>');
    expect(res.body).toMatch(/<title>\[v2\] reply: Re: \[PATCH v2 0\/3\]/);
  });

  it('answers 404 for a message outside any series', async () => {
    const res = await get(midUrl('qemu-devel', 'no-such-message@example.org', 'series/'));
    expect(res.statusCode).toBe(404);
  });
});
