// Cached answers are written before Fastify sees the request: over a real socket they must be the
// same bytes and headers as the first answer, revalidate and compress the same way, and follow
// the store as soon as another process changes it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { fixture } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { midUrl } from '../helpers/app.js';
import { http, type HttpAnswer } from '../helpers/http.js';
import { runCliBeside } from '../helpers/cli.js';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/app.js';

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
const URLS = [
  '/',
  '/iommu/',
  midUrl('iommu', PATCH1),
  midUrl('iommu', PATCH1, 'raw'),
  midUrl('iommu', PATCH1, 'T/'),
  midUrl('iommu', PATCH1, 't.mbox.gz'),
  '/iommu/new.atom',
  '/iommu/?q=pasid',
  `/iommu/${PATCH1}`,
];

/** What a client sees of an answer, but for the debug header that tells hits from misses. */
function seen(a: HttpAnswer) {
  const { 'x-cache': _x, date: _d, connection: _c, 'keep-alive': _k, ...headers } = a.headers;
  return { status: a.status, headers, body: a.raw.toString('base64') };
}

describe('the response cache fast path', () => {
  let dir: string;
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    dir = fixtureStore();
    server = await startServer(dir, { debugCache: true });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  it('answers a hit with the very bytes and headers of the miss, plain, gzipped, HEAD and 304', async () => {
    for (const url of URLS) {
      for (const headers of [{}, { 'accept-encoding': 'gzip' }] as Record<string, string>[]) {
        // the first plain request is the miss; the first gzipped one makes the gzipped body
        const first = await http(port, 'GET', url, { headers });
        const hit = await http(port, 'GET', url, { headers });
        expect([url, hit.headers['x-cache']]).toEqual([url, 'hit']);
        if (!headers['accept-encoding']) expect(first.headers['x-cache']).toBe('miss');
        expect(seen(hit)).toEqual(seen(first));
        expect(hit.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
        expect(Number(hit.headers['content-length'])).toBe(hit.raw.length);
        const head = await http(port, 'HEAD', url, { headers });
        expect([head.status, head.raw.length, head.headers['content-length']]).toEqual([
          hit.status,
          0,
          hit.headers['content-length'],
        ]);
        if (hit.headers.etag) {
          const again = await http(port, 'GET', url, {
            headers: { ...headers, 'if-none-match': String(hit.headers.etag) },
          });
          expect([again.status, again.raw.length]).toEqual([304, 0]);
        }
      }
    }
    const gz = await http(port, 'GET', midUrl('iommu', PATCH1), { headers: { 'accept-encoding': 'gzip' } });
    const plain = await http(port, 'GET', midUrl('iommu', PATCH1));
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.raw).toString('latin1')).toBe(plain.body);
  });

  it('follows the store when another process adds mail: no hit outlives the change', async () => {
    const before = await http(port, 'GET', '/qemu-devel/');
    expect((await http(port, 'GET', '/qemu-devel/')).headers['x-cache']).toBe('hit');
    // (beside this process: the server keeps serving, and closes idle connections on time, meanwhile)
    const r = await runCliBeside([
      'ingest',
      '--data',
      dir,
      '--inbox',
      'qemu-devel',
      '--json',
      '--jobs',
      '0',
      fixture('seed-003-kvm.eml'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const after = await http(port, 'GET', '/qemu-devel/');
    expect(after.headers['x-cache']).toBe('miss');
    expect(after.body).not.toBe(before.body);
  });
});
