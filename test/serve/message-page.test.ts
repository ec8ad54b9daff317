import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { ingest } from '../../src/ingest/ingest.js';
import type { App } from '../../src/serve/app.js';
import { fixture, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';
import { readMbox } from '../helpers/mbox.js';

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';

describe('message pages on the fixture inboxes', () => {
  let app: App;
  beforeAll(async () => {
    const dir = fixtureStore();
    await ingest({ dataDir: dir, inbox: 'hostile', sources: [HOSTILE_SAMPLE], jobs: 2 });
    app = await appOver(dir);
  });
  afterAll(() => app.fastify.close());
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.fastify.inject({ method: 'GET', url, headers });

  it("shows the headers, the body and public-inbox's thread overview", async () => {
    const r = await get(midUrl('iommu', PATCH1));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=UTF-8');
    const body = r.body;
    expect(body).toContain('<title>[PATCH v7 01/16] iommu: Report domain nesting info - Liu Yi L</title>');
    expect(body).toContain('From: Liu Yi L &lt;yi.l.liu@intel.com&gt;\n');
    expect(body).toContain('Subject: <a\nhref="#r"\nid=t>[PATCH v7 01/16] iommu: Report domain nesting info</a>\n');
    expect(body).toContain(`Message-ID: &lt;${PATCH1}&gt; (<a\nhref="raw">raw</a>)\n`);
    expect(body).toContain(`In-Reply-To: &lt;<a\nhref="../${COVER}/">${COVER}</a>&gt;\n`);
    expect(body).toContain(
      '<b>Thread overview: </b>84+ messages / expand[<a\nhref="T/#u">flat</a>|<a\nhref="t/#u">nested</a>]',
    );
    expect(body).toMatch(/<b>2020-09-10 10:45 ` <a\nid=r\nhref="#t">Liu Yi L \[this message\]<\/a><\/b>\n/);
    // the diffstat links to the diff and back
    expect(body).toContain(
      '<a\nid=iZ31include:uapi:linux:iommu.h\nhref=#Z31include:uapi:linux:iommu.h>include/uapi/linux/iommu.h</a>',
    );
    expect(body).toContain('<a\nhref=#iZ31include:uapi:linux:iommu.h\nid=Z31include:uapi:linux:iommu.h>diff</a> --git');
    expect(body).toMatch(/<span\nclass="add">\+/);
    // navigation: the cover letter is both previous and parent
    expect(body).toContain(`<a\nhref="../${COVER}/"\nrel=prev>prev parent</a>`);
    expect(body).toContain('rel=next>next</a>');
  });

  it("prints reply instructions with public-inbox's --to/--cc rules", async () => {
    const body = (await get(midUrl('iommu', PATCH1))).body;
    const block = /git send-email \\\n([\s\S]*?)\n\n/.exec(body)![1];
    const args = block.split('\n').map((l) => l.trim().replace(/ \\$/, ''));
    expect(args[0]).toBe(`--in-reply-to=${PATCH1}`);
    expect(args[1]).toBe('--to=yi.l.liu@intel.com');
    const cc = args.filter((a) => a.startsWith('--cc=')).map((a) => a.slice(5));
    expect(cc).toEqual([...cc].sort());
    expect(cc).toContain('alex.williamson@redhat.com');
    expect(args).toContain('--subject=&#39;Re: [PATCH v7 01/16] iommu: Report domain nesting info&#39;');
    expect(args[args.length - 1]).toBe('/path/to/YOUR_REPLY');
    expect(body).toMatch(
      /href="mailto:yi\.l\.liu@intel\.com\?In-Reply-To=%3C1599734733-6431-2-git-send-email-yi\.l\.liu@intel\.com%3E&#38;Cc=/,
    );
  });

  it('quotes a hostile address so pasting the command runs nothing', async () => {
    const body = (await get(midUrl('hostile', 'shell-0@h'))).body;
    expect(body).toContain(`--cc=a@example.org`);
    const cmd = /git send-email([\s\S]*?)\/path\/to\/YOUR_REPLY/.exec(body)![1];
    expect(cmd).not.toMatch(/\$\(|`/); // the display name never reaches the command
    const evil = (await get(midUrl('hostile', 'xss-from-0@h'))).body;
    expect(evil).not.toContain('<script>');
  });

  it('links a vsock reply to its [not found] parent', async () => {
    const body = (await get(midUrl('virtualization', '20210802161055-mutt-send-email-mst@kernel.org'))).body;
    expect(body).toContain(
      '     [not found] &lt;<a\nhref="../20210802120720.547894-1-fuguancheng@bytedance.com/">20210802120720.547894-1-fuguancheng@bytedance.com</a>&gt;\n',
    );
    expect(body).toContain('<b>Thread overview: </b>7+ messages');
  });

  it('shows both copies of seed 003 on /all/ with the duplicate warning and its diff page', async () => {
    const r = await get(midUrl('all', '57E38D7D.1050806@huawei.com'));
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<pre>WARNING: multiple messages have this Message-ID (<a\nhref="d/">diff</a>)\n</pre>');
    expect(r.body.match(/Subject: /g)).toHaveLength(2);
    expect(r.body).toContain('This is an external index of several public inboxes,');
    const d = await get(midUrl('all', '57E38D7D.1050806@huawei.com', 'd/'));
    expect(d.statusCode).toBe(200);
    // qemu-devel's copy arrived first (the fixtures are ingested in inboxes.json order)
    expect(d.body).toContain('<span\nclass="del">-Subject: [Qemu-devel] [RFC/PATCH 2]');
    expect(d.body).toContain('<span\nclass="add">+Subject: [RFC/PATCH 2]');
    // in one inbox only one copy exists, and no warning
    expect((await get(midUrl('kvm', '57E38D7D.1050806@huawei.com'))).body).not.toContain('WARNING');
  });

  it('serves /raw as public-inbox does: mboxrd of every copy, byte for byte', async () => {
    const r = await get(midUrl('iommu', PATCH1, 'raw'));
    expect(r.headers['content-type']).toBe('text/plain; charset=us-ascii');
    expect(r.headers['content-disposition']).toBe(
      'inline; filename=PATCH-v7-01-16-iommu-Report-domain-nesting-info.txt',
    );
    const original = readMbox(fixture('vfio-vsva-v7.thread.mbox')).find((m) => m.includes(`Message-Id: <${PATCH1}>`))!;
    expect(
      r.rawPayload.equals(
        Buffer.concat([Buffer.from('From mboxrd@z Thu Jan  1 00:00:00 1970\n'), original, Buffer.from('\n')]),
      ),
    ).toBe(true);
    const both = await get(midUrl('all', '57E38D7D.1050806@huawei.com', 'raw'));
    expect(both.body.match(/^From mboxrd@z /gm)).toHaveLength(2);
    expect(both.rawPayload.includes(readFileSync(fixture('seed-003-kvm.eml')))).toBe(true);
  });

  it('serves attachments as text or as downloads, never as HTML', async () => {
    const r = await get(midUrl('hostile', 'xss-att-0@h', '2-a.bin'));
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.body).toContain('-<script>alert(1)</script>');
    const html = await get(midUrl('hostile', 'xss-html-0@h', '1-a.bin'));
    expect(html.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((await get(midUrl('hostile', 'xss-att-0@h', '9-a.bin'))).statusCode).toBe(404);
  });

  it('never renders text/html mail, and marks quotes and links', async () => {
    const html = (await get(midUrl('hostile', 'xss-html-0@h'))).body;
    expect(html).toContain('[-- Attachment #1: Type: text/html, Size:');
    expect(html).not.toContain('<img');
    const body = (await get(midUrl('hostile', 'xss-body-0@h'))).body;
    expect(body).toContain('<span\nclass="q">&gt; &lt;script&gt;alert(1)&lt;/script&gt;\n</span>');
    expect(body).toContain('<a\nhref="http://example.org/">http://example.org/</a>&lt;script&gt;');
  });
});
