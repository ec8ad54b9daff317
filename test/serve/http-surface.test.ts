// The HTTP surface as an attacker sees it: what one client sends (a forged Host, a foreign
// Referer, Range, encodings, HEAD, cache-busting queries) never changes what another receives,
// the response cache cannot be poisoned or made to eat memory, and no request is slow.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/serve/app.js';
import { ENTRY_OVERHEAD } from '../../src/serve/response-cache.js';
import { StoreReader } from '../../src/store/reader.js';
import { ingest } from '../../src/ingest/ingest.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { midUrl } from '../helpers/app.js';

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
/** A real reply with a patch attached as application/octet-stream (fixtures/binary-attachment.mbox). */
const ATTACHED = 'CACGkMEvgtzUXw9v=cMN3=Mqm9YTp_2bKmc4--q2+BREvgVdeLg@mail.gmail.com';
const ATTACHMENT = `${midUrl('virtualization', ATTACHED)}2-0001-vdpa-ifcvf-set-pci-driver-data-in-probe.patch`;
/** Message-IDs that read as URL schemes when printed as a relative link. */
const SCHEME_MIDS = ['mailto:victim@example.org', 'javascript:alert(1)//x@h', 'vscode:x@h'];

function schemeMail(mid: string, i: number): string {
  return [
    `From mboxrd@z Thu Jan  1 00:00:00 1970`,
    `Message-ID: <${mid}>`,
    `From: Mallory <mallory@example.org>`,
    `To: iommu@lists.linux-foundation.org`,
    `Date: Mon, 2 Aug 2021 20:07:1${i} +0800`,
    `Subject: [PATCH] vfio: scheme link ${i}`,
    ``,
    `pasid`,
    ``,
  ].join('\n');
}

let dir: string;

beforeAll(async () => {
  dir = fixtureStore();
  await ingest({ dataDir: dir, inbox: 'virtualization', sources: [fixture('binary-attachment.mbox')], jobs: 0 });
  const schemes = join(tempDir(), 'schemes.mbox');
  writeFileSync(schemes, SCHEME_MIDS.map(schemeMail).join('\n'));
  await ingest({ dataDir: dir, inbox: 'iommu', sources: [schemes], jobs: 0 });
});

type Req = { url: string; method?: 'GET' | 'HEAD' | 'POST'; headers?: Record<string, string>; payload?: string };

async function request(app: App, r: Req) {
  return app.fastify.inject({
    method: r.method ?? 'GET',
    url: r.url,
    headers: { host: 'lore.test', ...r.headers },
    payload: r.payload,
  });
}

/** What a client receives, in the parts a cache could spoil. */
async function seen(app: App, r: Req) {
  const res = await request(app, r);
  return {
    url: r.url,
    status: res.statusCode,
    type: res.headers['content-type'],
    location: res.headers.location,
    encoding: res.headers['content-encoding'],
    etag: res.headers.etag,
    body: res.rawPayload.toString('base64'),
  };
}

/** One URL of every route family, each answering something (not all 200). */
const FAMILIES = [
  '/',
  '/iommu/',
  '/iommu/?t=20200910103000',
  '/iommu/new.atom',
  '/iommu/description',
  '/iommu/_/text/help/',
  '/iommu/_/text/mirror/',
  '/iommu/_/text/config/raw',
  midUrl('iommu', PATCH1),
  midUrl('iommu', PATCH1, 'raw'),
  midUrl('iommu', PATCH1, 't/'),
  midUrl('iommu', PATCH1, 'T/'),
  midUrl('iommu', PATCH1, 't.mbox.gz'),
  midUrl('iommu', PATCH1, 't.atom'),
  midUrl('iommu', COVER, 'series/'),
  midUrl('iommu', COVER, 'series.json'),
  midUrl('iommu', COVER, 'series.mbox'),
  midUrl('iommu', COVER, 'series.atom'),
  '/iommu/series/',
  '/iommu/?q=pasid',
  '/iommu/?q=pasid&x=A',
  '/iommu/?q=pasid&x=t',
  '/all/',
  midUrl('all', PATCH1),
  ATTACHMENT,
  '/iommu/1599734733-6431/',
  '/iommu/no-such-message@example.org/',
  // redirects
  '/iommu',
  `/iommu/${PATCH1}`,
  `/iommu/${PATCH1}/t`,
  `/iommu/${PATCH1}/R`,
  `/iommu/m/${PATCH1}/`,
  `/r/${PATCH1}`,
  `/${PATCH1}/`,
  '/iommu/_/text/help',
];

/** What an attacker sends before the victim asks. */
function attacks(url: string): Req[] {
  const sep = url.includes('?') ? '&' : '?';
  return [
    { url, headers: { host: 'evil.example' } },
    { url, headers: { host: 'EVIL.example:8080', 'accept-encoding': 'gzip' } },
    { url, headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } },
    { url, headers: { referer: 'https://evil.example/page' } },
    { url, headers: { referer: 'javascript:alert(1)' } },
    { url, headers: { range: 'bytes=0-10' } },
    { url, headers: { 'accept-encoding': 'br, identity;q=0' } },
    { url, headers: { 'if-none-match': '"bogus"', 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } },
    { url, method: 'HEAD' },
    { url, method: 'HEAD', headers: { host: 'evil.example' } },
    { url: `${url}${sep}cb=${Math.random()}`, headers: { host: 'evil.example' } },
    { url, method: 'POST', payload: 'x=m' },
  ];
}

describe('the HTTP surface under attack', () => {
  it('gives every client the same answers, whatever others sent first', async () => {
    const victims: Req[] = FAMILIES.flatMap((url) => [{ url }, { url, headers: { 'accept-encoding': 'gzip' } }]);
    const clean = await buildApp({ dataDir: dir });
    const expected = [];
    for (const v of victims) expected.push(await seen(clean, v));
    await clean.fastify.close();

    const attacked = await buildApp({ dataDir: dir });
    for (const url of FAMILIES) for (const a of attacks(url)) await request(attacked, a);
    const got = [];
    for (const v of victims) got.push(await seen(attacked, v));
    await attacked.fastify.close();
    expect(got).toEqual(expected);
    // and nothing the victims received names the attacker's host
    for (const g of got) expect(Buffer.from(g.body, 'base64').toString('latin1')).not.toMatch(/evil\.example/i);
  });

  describe("finding 1: links and redirects follow each client's own Host, or the base URL", () => {
    let app: App;
    beforeAll(async () => {
      app = await buildApp({ dataDir: dir });
    });
    afterAll(() => app.fastify.close());

    it('redirects to the Host asked (b4 needs absolute Locations), and never hands that to another Host', async () => {
      for (const url of FAMILIES) {
        const evil = await request(app, { url, headers: { host: 'evil.example' } });
        if (evil.statusCode < 300 || evil.statusCode >= 400 || !evil.headers.location) continue;
        expect([url, evil.headers.location]).toEqual([url, expect.stringMatching(/^http:\/\/evil\.example\//)]);
        const good = await request(app, { url });
        expect([url, good.headers.location]).toEqual([url, expect.stringMatching(/^http:\/\/lore\.test\//)]);
      }
    });

    it('prints feeds and help for the Host asked, without handing them to another Host', async () => {
      for (const url of ['/iommu/new.atom', midUrl('iommu', PATCH1, 't.atom'), '/iommu/_/text/help/']) {
        const evil = await request(app, { url, headers: { host: 'evil.example' } });
        expect(evil.body).toContain('http://evil.example/');
        const good = await request(app, { url });
        expect(good.body).not.toContain('evil.example');
        expect(good.body).toContain('http://lore.test/iommu/');
      }
    });

    it('with a base URL configured, prints only that, whatever the Host', async () => {
      const based = await buildApp({ dataDir: dir, baseUrl: 'https://lore.example.org/' });
      try {
        for (const url of ['/iommu/new.atom', midUrl('iommu', COVER, 'series.atom'), '/iommu/_/text/mirror/']) {
          const r = await request(based, { url, headers: { host: 'evil.example' } });
          expect(r.body).toContain('https://lore.example.org/iommu/');
          expect(r.body).not.toContain('evil.example');
        }
        const moved = await request(based, { url: `/r/${PATCH1}`, headers: { host: 'evil.example' } });
        expect(moved.headers.location).toBe(`https://lore.example.org/iommu/${PATCH1}/`);
      } finally {
        await based.fastify.close();
      }
      await expect(buildApp({ dataDir: dir, baseUrl: 'https://x.example/sub/' })).rejects.toThrow(/nothing after/);
      await expect(buildApp({ dataDir: dir, baseUrl: 'javascript:alert(1)' })).rejects.toThrow(/http/);
    });
  });

  it('finding 3: an attachment fetched without Referer is not then handed to a foreign page', async () => {
    const app = await buildApp({ dataDir: dir });
    try {
      const direct = await request(app, { url: ATTACHMENT });
      expect(direct.statusCode).toBe(200);
      expect(direct.headers['content-type']).toBe('application/octet-stream');
      const foreign = await request(app, { url: ATTACHMENT, headers: { referer: 'https://evil.example/' } });
      expect(foreign.statusCode).toBe(403);
      expect(foreign.body).toContain('Deep-linking prevented');
      const ours = await request(app, {
        url: ATTACHMENT,
        headers: { referer: `http://lore.test${midUrl('virtualization', ATTACHED)}` },
      });
      expect(ours.statusCode).toBe(200);
    } finally {
      await app.fastify.close();
    }
  });

  it('finding 4: junk URLs take no cache memory, and the budget counts what entries really cost', async () => {
    const budget = 1 << 18;
    const app = await buildApp({ dataDir: dir, cacheBytes: budget });
    try {
      for (let i = 0; i < 500; i++) {
        const r = await request(app, { url: `/iommu/junk-${i}@example.org/` });
        expect([300, 404]).toContain(r.statusCode);
        await request(app, { url: `/no-such-inbox-${i}/x/y/z` });
      }
      expect(app.cache.stats().entries).toBe(0);
      // distinct values of a parameter pages read are distinct entries (the key leaves out any other
      // parameter), each counted with its overhead; four times what fills the budget
      for (let i = 0; i < 1000; i++) await request(app, { url: `/iommu/description?t=${i}` });
      const s = app.cache.stats();
      expect(s.bytes).toBeGreaterThan(budget * 0.9);
      expect(s.bytes).toBeLessThanOrEqual(budget);
      expect(s.entries).toBeLessThanOrEqual(Math.floor(budget / ENTRY_OVERHEAD));
      expect(s.bytes).toBeGreaterThanOrEqual(s.entries * ENTRY_OVERHEAD);
    } finally {
      await app.fastify.close();
    }
  });

  it('finding 5: gzipping answers the cache never held does not count against it', async () => {
    const app = await buildApp({ dataDir: dir, cacheBytes: 4 << 20 });
    try {
      await request(app, { url: '/iommu/' });
      const before = app.cache.stats();
      let gzipped = 0;
      for (let i = 0; i < 200; i++) {
        const r = await request(app, {
          url: `/iommu/?q=pasid+${i % 2 ? 'vfio' : 'iommu'}`,
          method: 'POST',
          headers: { 'accept-encoding': 'gzip' },
        });
        await request(app, { url: `/iommu/none-${i}@x/`, headers: { 'accept-encoding': 'gzip' } });
        // (searches back to back outrun their share of time when the machine is busy: 503, said so)
        if (r.statusCode === 503) continue;
        expect(r.headers['content-encoding']).toBe('gzip');
        gzipped++;
      }
      expect(gzipped).toBeGreaterThan(20);
      expect(app.cache.stats()).toEqual(before);
    } finally {
      await app.fastify.close();
    }
  });

  it('finding 6: no Message-ID makes a relative link that names a URL scheme', async () => {
    const app = await buildApp({ dataDir: dir });
    try {
      const pages = ['/iommu/', '/iommu/?q=scheme', '/iommu/?q=scheme&x=t', '/all/', '/all/?q=scheme'];
      for (const mid of SCHEME_MIDS) pages.push(midUrl('iommu', mid), midUrl('iommu', mid, 'T/'));
      for (const url of pages) {
        const body = (await request(app, { url })).body;
        const hrefs = [...body.matchAll(/href="?([^"\s>]+)/g)].map((m) => m[1]);
        expect(hrefs.length).toBeGreaterThan(0);
        const schemes = hrefs.filter((h) => /^[a-z][a-z0-9+.-]*:/i.test(h) && !/^https?:\/\//.test(h));
        // the reply instructions' own mailto: link is ours; no other scheme may appear
        expect([
          url,
          schemes.filter((h) => !h.startsWith('mailto:iommu@') && !/^mailto:[^?]*\?In-Reply-To=/.test(h)),
        ]).toEqual([url, []]);
      }
      const listing = (await request(app, { url: '/iommu/' })).body;
      expect(listing).toContain('href="./mailto:victim@example.org/');
    } finally {
      await app.fastify.close();
    }
  });

  it('finding 7: tells no one what the cache holds, unless a benchmark asks', async () => {
    const app = await buildApp({ dataDir: dir });
    const debug = await buildApp({ dataDir: dir, debugCache: true });
    try {
      for (let i = 0; i < 2; i++) expect((await request(app, { url: '/iommu/' })).headers['x-cache']).toBeUndefined();
      expect((await request(debug, { url: '/iommu/' })).headers['x-cache']).toBe('miss');
      expect((await request(debug, { url: '/iommu/' })).headers['x-cache']).toBe('hit');
    } finally {
      await app.fastify.close();
      await debug.fastify.close();
    }
  });

  it('finding 8: HEAD of a download builds none of it', async () => {
    const app = await buildApp({ dataDir: dir });
    const raw = vi.spyOn(StoreReader.prototype, 'raw');
    try {
      const head = await request(app, { url: '/iommu/all.mbox.gz', method: 'HEAD' });
      expect([head.statusCode, head.headers['content-type'], head.body]).toEqual([200, 'application/gzip', '']);
      expect(raw).not.toHaveBeenCalled();
      const get = await request(app, { url: '/iommu/all.mbox.gz' });
      expect(get.rawPayload.length).toBeGreaterThan(1000);
      expect(raw).toHaveBeenCalled();
    } finally {
      raw.mockRestore();
      await app.fastify.close();
    }
  });

  describe('finding 9', () => {
    let app: App;
    beforeAll(async () => {
      app = await buildApp({ dataDir: dir, debugCache: true });
    });
    afterAll(() => app.fastify.close());

    it('routes runs of slashes in linear time', async () => {
      for (const url of [
        `/iommu/${'/'.repeat(8000)}x`,
        `/${'a/'.repeat(4000)}x`,
        `/iommu/${'a/'.repeat(4000)}raw`,
        `/iommu/m/${'/'.repeat(8000)}x.html`,
      ]) {
        // the CPU time it took (a busy machine stretches the wall time, not the work)
        const started = process.cpuUsage();
        const r = await request(app, { url });
        const { user, system } = process.cpuUsage(started);
        expect(r.statusCode).toBeLessThan(500);
        expect([url.slice(0, 12), (user + system) / 1000]).toEqual([url.slice(0, 12), expect.any(Number)]);
        // quadratic matching took seconds here; GC and a loaded machine's caches add tens of ms
        expect((user + system) / 1000).toBeLessThan(200);
      }
    });

    it('answers cache-busting query strings from the cache: pages read only their own parameters', async () => {
      expect((await request(app, { url: '/iommu/?q=pasid' })).headers['x-cache']).toBe('miss');
      for (const junk of ['cb=1', 'cb=2&utm_source=x', 'zz']) {
        const r = await request(app, { url: `/iommu/?q=pasid&${junk}` });
        expect([junk, r.headers['x-cache']]).toEqual([junk, 'hit']);
      }
      // a redirect repeats the query it was sent, so that one is rendered each time
      const r = await request(app, { url: '/iommu?cb=3' });
      expect([r.statusCode, r.headers.location, r.headers['x-cache']]).toEqual([
        301,
        'http://lore.test/iommu/?cb=3',
        'miss',
      ]);
    });

    it('keeps searches relative to now out of the cache, and absolute ones in it', async () => {
      const relative = '/iommu/?q=d:20.years.ago..';
      const first = await request(app, { url: relative });
      expect([first.statusCode, first.headers['x-cache']]).toEqual([200, 'miss']);
      expect((await request(app, { url: relative })).headers['x-cache']).toBe('miss');
      const absolute = '/iommu/?q=d:20200101..';
      expect((await request(app, { url: absolute })).headers['x-cache']).toBe('miss');
      expect((await request(app, { url: absolute })).headers['x-cache']).toBe('hit');
    });
  });
});
