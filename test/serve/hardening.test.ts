// HTTP hardening over a real socket: methods, sizes, slow clients, absurd URLs, and errors that
// never show a stack trace or a path of the server's.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { midUrl } from '../helpers/app.js';
import { http } from '../helpers/http.js';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/app.js';

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';

/** Raw HTTP over a socket: what the server answers (or '' if it just closes), and when it closed. */
function rawRequest(
  port: number,
  text: string | Buffer,
  opts: { waitMs?: number } = {},
): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let response = '';
    s.on('data', (d) => (response += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve({ response, closedAfterMs: Date.now() - t0 }));
    if (opts.waitMs) setTimeout(() => s.destroy(), opts.waitMs);
  });
}

/** What a response must never carry: stack frames, file paths of the server, library names. */
function leaks(body: string): string[] {
  const out: string[] = [];
  for (const re of [
    /\bat [\w.<>]+ \(/,
    /\/work\//,
    /node_modules/,
    /\.(?:ts|js):\d+/,
    /SqliteError|TypeError|RangeError|ReferenceError/,
    /\bfastify\b/i,
  ]) {
    if (re.test(body)) out.push(re.source);
  }
  return out;
}

describe('HTTP hardening', () => {
  let server: TestServer;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = fixtureStore();
    server = await startServer(dir, { headersTimeoutMs: 500 });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => server.close());

  it('answers only GET, HEAD and POST, and POST only where a search download takes it, saying which', async () => {
    const allowed: [string, string][] = [
      ['/iommu/', 'GET, HEAD'],
      ['/iommu/?q=s:pasid', 'GET, HEAD, POST'],
      [midUrl('iommu', PATCH1), 'GET, HEAD'],
      [`${midUrl('iommu', PATCH1)}?x=m&q=pasid`, 'GET, HEAD, POST'],
    ];
    for (const [url, allow] of allowed) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
        const r = await http(port, method, url);
        expect([method, url, r.status, r.headers.allow]).toEqual([method, url, 405, allow]);
        expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      }
    }
    for (const url of [midUrl('iommu', PATCH1, 'raw'), midUrl('iommu', PATCH1), '/iommu/']) {
      const post = await http(port, 'POST', url);
      expect([url, post.status, post.headers.allow]).toEqual([url, 405, 'GET, HEAD']);
    }
    const head = await http(port, 'HEAD', midUrl('iommu', PATCH1));
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('refuses oversized URLs, headers and bodies with the right status', async () => {
    expect((await http(port, 'GET', `/iommu/${'a'.repeat(10_000)}/`)).status).toBe(414);
    const big = await rawRequest(port, `GET /iommu/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(big.response).toMatch(/^HTTP\/1\.1 431 /);
    expect(big.response).toContain(`Content-Security-Policy: ${CONTENT_SECURITY_POLICY}\r\n`);
    expect(big.response).toContain('X-Content-Type-Options: nosniff\r\n');
    const body = 'x='.padEnd(100_000, 'y');
    const r = await http(port, 'POST', '/iommu/?q=s:pasid&x=m', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(r.status).toBe(413);
    expect(leaks(r.body)).toEqual([]);
  });

  it('drops a client that never finishes its headers (slowloris) instead of waiting for it', async () => {
    const slow = await rawRequest(port, 'GET /iommu/ HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitMs: 10_000 });
    // the server closes it (408 or a bare close) well before our own 10 s give-up
    expect(slow.closedAfterMs).toBeLessThan(5_000);
    expect(slow.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.response).toContain('X-Frame-Options: DENY\r\n');
  });

  it('answers absurd URLs sanely: no 5xx, nothing of the server leaked', async () => {
    const absurd = [
      '/%',
      '/%%',
      '/%zz/',
      '/iommu/%E0%A4%A/',
      '/iommu/%C0%AF/',
      '/iommu/%00/raw',
      '/iommu/%FF%FE/',
      '/iommu/a%2Fb/',
      '/iommu/../../../../etc/passwd',
      '/iommu/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc/passwd',
      '/iommu/..\\..\\win.ini',
      '//iommu//',
      '/iommu/.',
      '/iommu/./raw',
      '/iommu/?t=99999999999999999999',
      '/iommu/?t=-1',
      '/iommu/?q=%00',
      '/iommu/?q=(((((((((',
      '/iommu/?q=d:99999999..1',
      '/iommu/?o=-5',
      '/iommu/?o=1e309',
      '/iommu/?x=A&q=%22',
      '/all/?q=' + '('.repeat(500),
      '/iommu/series/?t=abc',
      `${midUrl('iommu', PATCH1, 'series/')}?vs=-1`,
      `${midUrl('iommu', PATCH1, 'series/')}?vs=99999999`,
      `${midUrl('iommu', PATCH1, '9999-x.bin')}`,
      `${midUrl('iommu', PATCH1, '1.1.1.1.1.1.1-a.txt')}`,
      '/_/text/../../etc/passwd',
      '/iommu/_/text/%2e%2e%2f',
      '/iommu/new.atom?t=zzz',
      '/' + 'x/'.repeat(2000),
    ];
    for (const url of absurd) {
      const r = await http(port, 'GET', url);
      expect([url, r.status < 500]).toEqual([url, true]);
      expect([url, leaks(r.body)]).toEqual([url, []]);
      expect(r.body).not.toContain('root:x:0:0');
    }
  });

  it('turns an internal failure into a plain 500 with no stack trace or path', async () => {
    // a damaged blob: /raw cannot inflate it
    const broken = fixtureStore();
    const db = new Database(join(broken, 'lorekeeper.sqlite3'));
    db.prepare(`UPDATE blob SET data = x'deadbeef' WHERE id = (SELECT blob_id FROM msg WHERE mid = ?)`).run(PATCH1);
    db.close();
    const s = await startServer(broken);
    try {
      const r = await http(Number(new URL(s.url).port), 'GET', midUrl('iommu', PATCH1, 'raw'));
      expect(r.status).toBe(500);
      expect(r.body).toBe('Internal Server Error');
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    } finally {
      await s.close();
    }
  });
});
