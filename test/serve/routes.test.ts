import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { gunzipSync } from 'node:zlib';
import type { App } from '../../src/serve/app.js';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/app.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';

describe('routes, redirects and HTTP behaviour', () => {
  let app: App;
  beforeAll(async () => {
    const dir = fixtureStore();
    app = await appOver(dir);
  });
  afterAll(() => app.fastify.close());
  const req = (
    url: string,
    opts: {
      method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
      headers?: Record<string, string>;
      payload?: string;
    } = {},
  ) =>
    app.fastify.inject({
      method: opts.method ?? 'GET',
      url,
      headers: { host: 'lore.test', ...opts.headers },
      payload: opts.payload,
    });

  it('redirects like public-inbox: /NAME, /MID, /t, /T, /R, legacy and bare Message-IDs', async () => {
    const cases: [string, number, string][] = [
      ['/iommu', 301, 'http://lore.test/iommu/'],
      [`/iommu/${PATCH1}`, 301, `http://lore.test/iommu/${PATCH1}/`],
      [`/iommu/${PATCH1.replace('@', '%40')}`, 301, `http://lore.test/iommu/${PATCH1}/`],
      [`/iommu/${PATCH1}/t`, 301, `http://lore.test/iommu/${PATCH1}/t/#u`],
      [`/iommu/${PATCH1}/T`, 301, `http://lore.test/iommu/${PATCH1}/T/#u`],
      [`/iommu/${PATCH1}/R`, 301, `http://lore.test/iommu/${PATCH1}/#R`],
      [`/iommu/m/${PATCH1}.html`, 301, `http://lore.test/iommu/${PATCH1}/`],
      [`/iommu/t/${PATCH1}.mbox.gz`, 301, `http://lore.test/iommu/${PATCH1}/t.mbox.gz`],
      [`/${PATCH1}/`, 302, `http://lore.test/iommu/${PATCH1}/`],
      [`/r/${PATCH1}`, 302, `http://lore.test/iommu/${PATCH1}/`],
      ['/iommu/_/text/help', 302, 'http://lore.test/iommu/_/text/help/'],
    ];
    for (const [url, status, location] of cases) {
      const r = await req(url);
      expect([url, r.statusCode, r.headers.location]).toEqual([url, status, location]);
    }
    // b4 asks with HEAD and wants the redirect, not its target
    const head = await req(`/iommu/${PATCH1}`, { method: 'HEAD' });
    expect([head.statusCode, head.headers.location]).toEqual([301, `http://lore.test/iommu/${PATCH1}/`]);
  });

  it("answers unknown Message-IDs with public-inbox's not-found page: 404, or 300 with suggestions", async () => {
    const short = await req('/iommu/nonexistent-id/');
    expect(short.statusCode).toBe(404);
    expect(short.body).toContain('Message-ID &lt;nonexistent-id&gt;\nnot found\n');
    const withAt = await req('/iommu/nonexistent@example.com/');
    expect(withAt.statusCode).toBe(300);
    expect(withAt.body).toContain('Perhaps try an external site:');
    const truncated = await req(`/iommu/${PATCH1.slice(0, -9)}/`);
    expect(truncated.statusCode).toBe(300);
    expect(truncated.body).toContain(`1 partial match found:`);
    expect(truncated.body).toContain(`/iommu/${PATCH1}/`);
    const elsewhere = await req(`/kvm/${COVER}/`);
    expect(elsewhere.statusCode).toBe(300);
    expect(elsewhere.body).toContain('found in another inbox:');
    expect((await req(`/iommu/${PATCH1}/xyz`)).statusCode).toBe(404);
    expect((await req('/nosuchinbox/')).statusCode).toBe(404);
  });

  it('routes Message-IDs with escapes, malformed escapes and huge URLs sanely', async () => {
    expect((await req('/iommu/a%lk%2/')).statusCode).toBe(404);
    expect((await req('/iommu/%zz%%%/raw')).statusCode).toBe(404);
    expect((await req(`/iommu/${'x'.repeat(9000)}/`)).statusCode).toBe(414);
    expect((await req('/iommu/../../etc/passwd')).statusCode).toBe(404);
  });

  it('puts the security headers on every response, errors included', async () => {
    for (const url of [
      '/',
      '/iommu/',
      `/iommu/${PATCH1}/`,
      `/iommu/${PATCH1}/raw`,
      '/iommu/nope/',
      '/missing',
      `/iommu/${PATCH1}/t.mbox.gz`,
    ]) {
      const r = await req(url);
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('same-origin');
    }
    const put = await req('/iommu/', { method: 'PUT' });
    expect(put.statusCode).toBe(405);
    expect(put.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await req(`/iommu/${PATCH1}/`, { method: 'POST' })).statusCode).toBe(405);
  });

  it('revalidates with ETags and compresses when asked', async () => {
    const first = await req(`/iommu/${PATCH1}/`);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await req(`/iommu/${PATCH1}/`, { headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    const gz = await req(`/iommu/${PATCH1}/`, { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(first.body);
    // the gzipped representation is another one: its own ETag (RFC 9110), each revalidates
    const gzEtag = gz.headers.etag as string;
    expect(gzEtag).not.toBe(etag);
    const gzNotModified = await req(`/iommu/${PATCH1}/`, {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': `W/${gzEtag}, "other"` },
    });
    expect(gzNotModified.statusCode).toBe(304);
    expect((await req(`/iommu/${PATCH1}/`, { headers: { 'if-none-match': gzEtag } })).statusCode).toBe(200);
    // whether the cache held an answer is nobody's business outside a benchmark
    expect((await req(`/iommu/${PATCH1}/`)).headers['x-cache']).toBeUndefined();
  });

  it('downloads a thread as application/gzip mboxrd, without Content-Encoding, in arrival order', async () => {
    for (const suffix of ['t.mbox.gz', 't.mbox']) {
      const r = await req(midUrl('iommu', PATCH1, suffix), { headers: { 'accept-encoding': 'gzip' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/gzip');
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.headers['content-disposition']).toBe(
        'inline; filename=PATCH-v7-00-16-vfio-expose-virtual-Shared-Virtual-Addressing-to-VMs.mbox.gz',
      );
      const mbox = gunzipSync(r.rawPayload).toString();
      expect(mbox.match(/^From mboxrd@z Thu Jan {2}1 00:00:00 1970$/gm)).toHaveLength(84);
      expect(mbox.indexOf(`<${COVER}>`)).toBeLessThan(mbox.indexOf(`<${PATCH1}>`));
    }
    expect((await req(midUrl('iommu', 'no-such@id', 't.mbox.gz'))).statusCode).toBe(404);
  });

  it('serves Atom feeds for the inbox and for a thread', async () => {
    const inbox = await req('/iommu/new.atom');
    expect(inbox.headers['content-type']).toBe('application/atom+xml');
    expect(inbox.body).toMatch(/^<\?xml version="1.0" encoding="us-ascii"\?>\n<feed/);
    expect(inbox.body.match(/<entry>/g)).toHaveLength(25);
    expect(inbox.body).toContain('<id>mailto:iommu@lists.linux-foundation.org</id>');
    const thread = await req(midUrl('iommu', PATCH1, 't.atom'));
    expect(thread.body.match(/<entry>/g)).toHaveLength(84);
    expect(thread.body).toContain(
      '<title>[PATCH v7 00/16] vfio: expose virtual Shared Virtual Addressing to VMs</title>',
    );
    expect(thread.body).toContain(`<link\nhref="http://lore.test/iommu/${PATCH1}/"/>`);
    expect((await req(midUrl('iommu', 'no-such@id', 't.atom'))).statusCode).toBe(404);
  });

  it('lists topics on the index, newest first, and pages with ?t=', async () => {
    const r = await req('/iommu/');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(
      '[PATCH v7 00/16] vfio: expose virtual Shared Virtual Addressing to VMs</a>\n 2021-03-03  9:44 UTC  (84+ messages)\n',
    );
    const older = await req('/iommu/?t=20200911000000');
    expect(older.body).toContain(
      '[PATCH v7 00/16] vfio: expose virtual Shared Virtual Addressing to VMs</a>\n 2020-09-10 10:45 UTC  (17+ messages)\n',
    );
    expect(older.body).toContain('rel=prev>prev (newer)</a>');
    expect((await req('/iommu/?t=19700102')).statusCode).toBe(404);
    const listing = await req('/');
    for (const name of ['iommu', 'virtualization', 'qemu-devel', 'kvm'])
      expect(listing.body).toContain(`href="${name}/">${name}</a>`);
  });

  it('renders nested and flat thread pages with every message', async () => {
    const nested = await req(midUrl('iommu', PATCH1, 't/'));
    expect(nested.body.match(/\nid=m[0-9a-f]{40}>\*<\/a> /g)).toHaveLength(84);
    expect(nested.body).toContain('<u\nid=u><b>[PATCH v7 01/16] iommu: Report domain nesting info</b></u>');
    expect(nested.body).toContain('<ul><li>');
    expect(nested.body).toContain(
      '<b\nid=t>Thread overview:</b> 84+ messages (download: <a\nhref="../t.mbox.gz">mbox.gz</a>',
    );
    const flat = await req(midUrl('iommu', PATCH1, 'T/'));
    expect(flat.body.match(/\nid=m[0-9a-f]{40}>\*<\/a> /g)).toHaveLength(84);
    expect(flat.body).not.toContain('<ul>');
    const ghost = await req(midUrl('virtualization', '20210802161055-mutt-send-email-mst@kernel.org', 't/'));
    expect(ghost.body).toContain(
      '[parent not found: &lt;<a\nhref="../../20210802120720.547894-2-fuguancheng@bytedance.com/">',
    );
  });

  it('serves the help text, the stylesheet and the description', async () => {
    const help = await req('/iommu/_/text/help/');
    expect(help.body).toContain('patchid:  match `git patch-id --stable&#39; output');
    expect((await req('/iommu/_/text/help/raw')).headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect((await req('/iommu/_/text/nope/')).statusCode).toBe(404);
    const css = await req('/iommu/_/lorekeeper.css');
    expect(css.headers['content-type']).toBe('text/css');
    expect(css.body).toContain('prefers-color-scheme: dark');
    expect((await req('/iommu/description')).body).toBe('IOMMU development (the vfio vSVA v7 thread of seed 001)\n');
  });

  it('streams a whole inbox as all.mbox.gz', async () => {
    const r = await req('/iommu/all.mbox.gz');
    expect(r.headers['content-type']).toBe('application/gzip');
    expect(
      gunzipSync(r.rawPayload)
        .toString()
        .match(/^From mboxrd@z /gm),
    ).toHaveLength(84);
  });
});
