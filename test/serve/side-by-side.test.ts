// The side-by-side diff page (diff2html): a real patch laid out, its stylesheet served as ours,
// and hostile file names and lines escaped like everything else.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { tempDir, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';
import { readMbox, hostileCase } from '../helpers/mbox.js';

const PATCH3 = '1599734733-6431-4-git-send-email-yi.l.liu@intel.com';
const EVIL = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "'><svg onload=alert(3)>",
  '<style>*{display:none}</style>',
  '<iframe src=//evil.example>',
  '<form action=//evil.example><input name=q></form>',
  '<a href="javascript:alert(4)">x</a>',
  '<meta http-equiv=refresh content="0;url=//evil.example">',
  '<base href=//evil.example/>',
  '<link rel=stylesheet href=//evil.example/x.css>',
];

function hostilePatch(): string {
  const name = 'a<script>alert(5)</script>"onmouseover="alert(6).c';
  const lines = EVIL.map((e) => `-old ${e}\n+new ${e}`).join('\n');
  return [
    'From: Mallory <mallory@example.org>',
    'To: list@example.org',
    'Subject: [PATCH] <script>alert(7)</script> evil diff',
    'Date: Mon, 1 Jan 2024 00:00:00 +0000',
    'Message-ID: <evil-diff@example.org>',
    '',
    'A diff full of markup.',
    '',
    'Signed-off-by: Mallory <mallory@example.org>',
    '---',
    '',
    `diff --git a/${name} b/${name}`,
    'index 1111111..2222222 100644',
    `--- a/${name}`,
    `+++ b/${name}`,
    `@@ -1,${EVIL.length + 1} +1,${EVIL.length + 1} @@ <script>alert(8)</script>`,
    ' context',
    lines,
    '',
  ].join('\n');
}

/** The diff2html part of a page. */
const diffsOf = (page: string) =>
  page.slice(page.indexOf('<div class="d2h-file-list-wrapper'), page.lastIndexOf('<hr><pre>This is a public inbox'));

/** Real tags (mail text has every '<' escaped) that would mean mail content became markup. */
function injected(html: string): string[] {
  const out: string[] = [];
  for (const [tag, name, attrs] of html.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    if (/^(?:script|iframe|style|form|meta|base|link|img|object|embed|frame|video|audio|source)$/i.test(name))
      out.push(tag);
    else if (/\son\w+\s*=|javascript:|\bsrc\s*=|\bstyle\s*=/i.test(attrs)) out.push(tag);
  }
  return out;
}

describe('side-by-side diffs', () => {
  let app: App;
  beforeAll(async () => {
    const dir = fixtureStore();
    const evil = join(tempDir(), 'evil.eml');
    writeFileSync(evil, hostilePatch());
    await ingest({ dataDir: dir, inbox: 'hostile', sources: [evil], jobs: 0 });
    const huge = join(tempDir(), 'huge.eml');
    writeFileSync(huge, hostileCase(readMbox(HOSTILE_SAMPLE), 'huge-patch'));
    await ingest({ dataDir: dir, inbox: 'hostile', sources: [huge], jobs: 0 });
    app = await appOver(dir);
  });
  afterAll(async () => app.fastify.close());
  const get = (url: string) => app.fastify.inject({ url });

  it('lays out a real patch in two columns, linked from its message page', async () => {
    const msg = await get(midUrl('iommu', PATCH3));
    expect(msg.body).toContain('diffs: <a\nhref="side-by-side/">side by side</a>');
    const page = await get(midUrl('iommu', PATCH3, 'side-by-side/'));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<link\nrel=stylesheet\nhref="../../_/diff2html.css"/>');
    expect(page.body).toContain('<span class="d2h-file-list-title">Files changed (2)</span>');
    expect(page.body).toContain('<a href="#d2h-');
    expect(page.body).toContain('<span class="d2h-file-name">drivers/vfio/vfio_iommu_type1.c</span>');
    expect(page.body.match(/class="d2h-file-side-diff"/g)).toHaveLength(4);
    expect(injected(diffsOf(page.body))).toEqual([]);
  });

  it("serves diff2html's stylesheet as its own, and no side-by-side page for mail without a diff", async () => {
    for (const url of ['/_/diff2html.css', '/iommu/_/diff2html.css']) {
      const css = await get(url);
      expect([url, css.statusCode, css.headers['content-type']]).toEqual([url, 200, 'text/css']);
      expect(css.body).toContain('.d2h-wrapper');
      expect(css.body).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//);
    }
    expect((await get('/_/nothing.css')).statusCode).toBe(404);
    const cover = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
    expect((await get(midUrl('iommu', cover))).body).not.toContain('side-by-side/');
    expect((await get(midUrl('iommu', cover, 'side-by-side/'))).statusCode).toBe(404);
  });

  it('escapes hostile file names, hunk headers and lines', async () => {
    // the check catches what it looks for
    expect(injected('<b onclick=x>a</b><script>x</script> &lt;script&gt;')).toEqual(['<b onclick=x>', '<script>']);
    const page = await get(midUrl('hostile', 'evil-diff@example.org', 'side-by-side/'));
    expect(page.statusCode).toBe(200);
    expect(injected(diffsOf(page.body))).toEqual([]);
    expect(page.body).toContain('&lt;script&gt;');
    expect(page.body).toContain('&lt;iframe src=&#x2F;&#x2F;evil.example&gt;');
  });

  it("lays out the hostile sample's huge patch, or declines it, without a server error", async () => {
    const mid = /^Message-ID:\s*<([^>]+)>/im.exec(
      hostileCase(readMbox(HOSTILE_SAMPLE), 'huge-patch').toString('latin1'),
    )![1];
    const page = await get(midUrl('hostile', mid, 'side-by-side/'));
    expect([200, 404]).toContain(page.statusCode);
    expect(injected(diffsOf(page.body))).toEqual([]);
  });
});
