import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { gunzipSync } from 'node:zlib';
import type { App } from '../../src/serve/app.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';

const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const PATCH4 = '1599734733-6431-5-git-send-email-yi.l.liu@intel.com';

const mids = (mbox: Buffer) =>
  [
    ...gunzipSync(mbox)
      .toString()
      .matchAll(/^Message-I[Dd]: <([^>]+)>/gm),
  ].map((m) => m[1]);

describe('search', () => {
  let app: App;
  beforeAll(async () => {
    const dir = fixtureStore();
    app = await appOver(dir);
  });
  afterAll(() => app.fastify.close());
  const get = (url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });
  const post = (url: string, payload = '') =>
    app.fastify.inject({
      method: 'POST',
      url,
      payload,
      headers: { host: 'lore.test', 'content-type': 'application/x-www-form-urlencoded' },
    });

  it("shows results newest first with public-inbox's summary layout", async () => {
    const r = await get('/iommu/?q=s:pasid');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<title>s:pasid - search results</title>');
    expect(r.body).toContain('Search results ordered by [<b>date</b>|<a\nhref="?q=s:pasid&#38;r">relevance</a>]');
    expect(r.body).toContain('Results 1-10 of 10');
    const subjects = [
      ...r.body.matchAll(
        /(?:^|<pre>) ?\d+\. <b><a\nhref="[^"]+\/">([^<]+)<\/a><\/b>\n {4}- by ([^@]+) @ (\S+ [ \d]\d:\d\d) UTC \[\d+%\]$/gm,
      ),
    ];
    expect(subjects).toHaveLength(10);
    expect(subjects[0][1]).toBe('RE: [PATCH v7 04/16] vfio: Add PASID allocation/free support');
    const dates = subjects.map((s) => s[3]);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('orders by relevance on request, pages with l and o, and reverses', async () => {
    const r = await get('/iommu/?q=pasid&r&l=5');
    expect(r.body).toContain('Results 1-5 of ');
    expect(r.body).toContain('<b>relevance</b>');
    expect(r.body).toMatch(/rel=next>next \[&lt;= \d+%\]<\/a>/);
    const page2 = await get('/iommu/?q=pasid&o=5&l=5');
    expect(page2.body).toContain('Results 6-10 of ');
    expect(page2.body).toContain('rel=prev>prev (newer)</a>');
    const rev = await get('/iommu/?q=s:pasid&o=-1');
    expect(rev.body).toMatch(
      / 1\. <b><a\nhref="1599734733-6431-\d+-git-send-email-yi\.l\.liu@intel\.com\/">\[PATCH v7/,
    );
  });

  it('collapses threads with t=1, one result each, by date and by relevance', async () => {
    for (const order of ['', '&r']) {
      const r = await get(`/iommu/?q=pasid${order}&t=1`);
      expect(r.statusCode, order).toBe(200);
      expect(r.body).toContain('*** "t=1" collapses threads in summary');
      // the fixture's vfio thread holds every match: one result
      expect(r.body).toContain('Results 1-1 of 1');
    }
  });

  it('answers no results with 404 and a bad query with 400, both saying so', async () => {
    const none = await get('/iommu/?q=s:nosuchwordanywhere');
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain('[No results found]');
    const bad = await get('/iommu/?q=(pasid');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Bad query: <b>a &#34;(&#34; is not closed</b>');
  });

  it('retries a query with %-escapes once, decoded, and says so', async () => {
    const r = await get('/iommu/?q=f%3Aalex%2520williamson');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(
      ' Warning: Initial query:\n <b>f:alex%20williamson</b>\n returned no results, used:\n <b>f:alex williamson</b>\n instead',
    );
  });

  it('offers the nested view and an Atom feed of results', async () => {
    const nested = await get('/iommu/?q=s:pasid&x=t');
    expect(nested.body.match(/\nid=m[0-9a-f]{40}>\*<\/a> /g)).toHaveLength(10);
    expect(nested.body).toContain('-- links below jump to the message on this page --');
    const atom = await get('/iommu/?q=s:pasid&x=A');
    expect(atom.headers['content-type']).toBe('application/atom+xml');
    expect(atom.body.match(/<entry>/g)).toHaveLength(10);
    expect(atom.body).toContain('<title>s:pasid - search results</title>');
  });

  it('downloads every match on POST x=m, and whole threads with t=1 or a full-threads body', async () => {
    const only = await post('/iommu/?q=s:pasid&x=m');
    expect(only.statusCode).toBe(200);
    expect(only.headers['content-type']).toBe('application/gzip');
    expect(only.headers['content-encoding']).toBeUndefined();
    expect(only.headers['content-disposition']).toBe('inline; filename=results-s-pasid.mbox.gz');
    expect(mids(only.rawPayload)).toHaveLength(10);
    const threads = await post('/iommu/?q=s:pasid&x=m&t=1');
    expect(mids(threads.rawPayload)).toHaveLength(84);
    expect(threads.headers['content-disposition']).toBe('inline; filename=results-thread-s-pasid.mbox.gz');
    expect(mids((await post('/iommu/?q=s:pasid&x=m', 'x=full+threads')).rawPayload)).toHaveLength(84);
    expect(mids((await post('/iommu/?q=s:pasid&x=m', 'x=0')).rawPayload)).toHaveLength(10);
    expect((await post('/iommu/?q=s:nosuchword&x=m')).statusCode).toBe(404);
    // a GET with x=m is a page, never a download; a POST is never redirected
    expect((await get('/iommu/?q=s:pasid&x=m')).body).toContain('*** "x=m" ignored for GET requests');
    expect((await post('/iommu?q=s:pasid&x=m')).statusCode).toBe(405);
  });

  it('finds patches by patch-id, blob id and Message-ID', async () => {
    const all = mids((await post('/iommu/?q=dfpre:1ebc23d&x=m')).rawPayload);
    expect(all.length).toBeGreaterThan(0);
    expect(mids((await post(`/iommu/?q=mid:${COVER}&x=m`)).rawPayload)).toEqual([COVER]);
  });

  it('searches within one thread on POST /NAME/MID/?x=m', async () => {
    const r = await post(`${midUrl('iommu', PATCH4)}?x=m&q=f:alex`);
    expect(r.statusCode).toBe(200);
    const found = mids(r.rawPayload);
    expect(found.length).toBeGreaterThan(0);
    expect(
      (await post(`${midUrl('virtualization', '20210802161055-mutt-send-email-mst@kernel.org')}?x=m&q=f:alex`))
        .statusCode,
    ).toBe(404);
  });

  it('searches every inbox at once on /all/', async () => {
    const r = await get('/all/?q=s:kvm');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('RFC/PATCH 2');
  });
});
