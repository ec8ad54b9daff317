// The archive's pages in a real browser (Debian's chromium): what a reader sees, where clicking
// takes them, how the pages behave on a phone and in dark mode, and that no page ever reaches for
// anything but the server it came from.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import {
  launchBrowser,
  closeBrowser,
  RecordedPage,
  cspProblems,
  structureOf,
  structureProblems,
  type Visit,
  haveChromium,
} from '../helpers/browser.js';
import { midEscape } from '../../src/mail/message-id.js';

const VFIO_COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const VFIO_01 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
const VFIO_02 = '1599734733-6431-3-git-send-email-yi.l.liu@intel.com';
const VFIO_09 = '1599734733-6431-10-git-send-email-yi.l.liu@intel.com';
const VSOCK_MST = '20210802161055-mutt-send-email-mst@kernel.org';
const VFIO_THREAD_SIZE = 84;

const msgPath = (inbox: string, mid: string, suffix = '') => `/${inbox}/${midEscape(mid)}/${suffix}`;

/** One row of a message page's thread overview, in document order. */
interface OverviewRow {
  /** Resolved href of the row's link ('' for the page's own row). */
  href: string;
  text: string;
  current: boolean;
  ghost: boolean;
}

describe.skipIf(!haveChromium())('the archive in a real browser', () => {
  let dir: string;
  let server: TestServer;
  let browser: Browser;
  let rp: RecordedPage;
  /** Every request any page in this file made, for the closing same-origin check. */
  const allRequests: string[] = [];

  beforeAll(async () => {
    dir = fixtureStore();
    server = await startServer(dir);
    browser = await launchBrowser();
    rp = await RecordedPage.open(browser, server.url);
  });

  afterAll(async () => {
    await rp?.close();
    await closeBrowser(browser);
    await server?.close();
  });

  /** Visit, then insist on a 200 HTML page with the CSP header, no script, no foreign request, sane structure. */
  async function open(path: string, page: RecordedPage = rp): Promise<Visit> {
    const v = await page.goto(path);
    await settle(page, v, path);
    return v;
  }

  async function settle(page: RecordedPage, v: Visit, label: string): Promise<void> {
    expect(v.status, `${label}: HTTP status`).toBe(200);
    expect(v.contentType, `${label}: content type`).toMatch(/^text\/html/);
    expect(cspProblems(v.csp), `${label}: Content-Security-Policy`).toEqual([]);
    const a = await page.assertQuiet(label);
    allRequests.push(...a.requests);
    expect(structureProblems(await structureOf(page.page), page.origin), `${label}: page structure`).toEqual([]);
  }

  /** The rows of the message page's thread overview (the <pre> holding "Thread overview:"). */
  async function overviewRows(page: RecordedPage = rp): Promise<OverviewRow[]> {
    return page.page.evaluate(() => {
      const pre = [...document.querySelectorAll('pre')].find((p) => p.textContent!.includes('Thread overview:'));
      if (!pre) throw new Error('no thread overview on this page');
      const anchors = [...pre.querySelectorAll('a')];
      const top = anchors.findIndex((a) => a.textContent === 'top');
      return anchors.slice(top + 1).map((a) => {
        // the row's text before its link: "     [not found] ` <" for ghosts, a date otherwise
        let before = '';
        for (let n = a.previousSibling; n && !before.includes('\n'); n = n.previousSibling)
          before = (n.textContent ?? '') + before;
        const line = before.slice(before.lastIndexOf('\n') + 1);
        const current = a.id === 'r';
        return { href: current ? '' : a.href, text: a.textContent ?? '', current, ghost: line.includes('[not found]') };
      });
    });
  }

  const midOfUrl = (url: string) => decodeURIComponent(new URL(url).pathname.split('/')[2]);

  it('shows a patch: headers, body, coloured diff, thread overview with [this message]', async () => {
    await open(msgPath('iommu', VFIO_01));
    const page = rp.page;
    expect(await page.title()).toBe('[PATCH v7 01/16] iommu: Report domain nesting info - Liu Yi L');
    const head = await page.locator('pre#b').innerText();
    expect(head).toContain('From: Liu Yi L <yi.l.liu@intel.com>');
    expect(head).toContain('Subject: [PATCH v7 01/16] iommu: Report domain nesting info');
    expect(head).toContain('Date: Thu, 10 Sep 2020 03:45:18 -0700');
    expect(head).toContain(`Message-ID: <${VFIO_01}>`);
    expect(head).toContain(`In-Reply-To: <${VFIO_COVER}>`);
    expect(head).toContain('IOMMUs that support nesting translation needs report the capability info');
    expect(head).toContain('include/uapi/linux/iommu.h | 76 +++');

    // the diff: a bold file header, a hunk header, added lines in their own colour
    const adds = page.locator('pre#b span.add');
    expect(await adds.count(), 'span.add in the patch').toBeGreaterThan(0);
    expect((await adds.first().innerText()).startsWith('+')).toBe(true);
    expect(await page.locator('pre#b span.hunk').count()).toBeGreaterThan(0);
    expect(await page.locator('pre#b span.head').first().innerText()).toContain(
      'diff --git a/include/uapi/linux/iommu.h',
    );
    const colours = await page.evaluate(() => ({
      text: getComputedStyle(document.querySelector('pre#b')!).color,
      add: getComputedStyle(document.querySelector('span.add')!).color,
      font: getComputedStyle(document.body).fontFamily,
    }));
    expect(colours.add, 'added lines are coloured').not.toBe(colours.text);
    expect(colours.font, 'our stylesheet applied').toContain('monospace');

    // the diffstat links to the file's diff and back
    const stat = page.locator('pre#b a[id^="iZ"]').first();
    const target = (await stat.getAttribute('href'))!;
    expect(await page.locator(`[id="${target.slice(1)}"]`).count(), `diffstat anchor ${target}`).toBe(1);

    // thread overview: the thread's size, and this message in bold
    const overview = await page.locator('pre', { hasText: 'Thread overview:' }).innerText();
    expect(overview).toContain(`${VFIO_THREAD_SIZE}+ messages`);
    const self = page.locator('b:has(a#r)');
    expect(await self.count()).toBe(1);
    expect(await self.innerText()).toMatch(/Liu Yi L \[this message\]$/);
    const rows = await overviewRows();
    expect(rows.filter((r) => r.current)).toHaveLength(1);
    expect(rows.filter((r) => !r.ghost)).toHaveLength(VFIO_THREAD_SIZE);
  });

  it('colours removed lines differently from added ones', async () => {
    await open(msgPath('iommu', VFIO_09));
    const c = await rp.page.evaluate(() => ({
      text: getComputedStyle(document.querySelector('pre#b')!).color,
      add: getComputedStyle(document.querySelector('span.add')!).color,
      del: getComputedStyle(document.querySelector('span.del')!).color,
      delText: document.querySelector('span.del')!.textContent,
      dels: document.querySelectorAll('pre#b span.del').length,
    }));
    expect(c.dels, 'span.del in [PATCH v7 09/16]').toBeGreaterThan(0);
    expect(c.delText!.startsWith('-')).toBe(true);
    expect(new Set([c.text, c.add, c.del]).size, `text ${c.text}, add ${c.add}, del ${c.del}`).toBe(3);
  });

  it('next, prev and parent follow the overview order, by clicking', async () => {
    await open(msgPath('iommu', VFIO_01));
    const rows = (await overviewRows()).filter((r) => !r.ghost);
    const at = rows.findIndex((r) => r.current);
    const expectedNext = midOfUrl(rows[at + 1].href);
    const expectedPrev = midOfUrl(rows[at - 1].href);
    expect(expectedPrev).toBe(VFIO_COVER);

    // next: the row after [this message]
    let v = await rp.clickAndWait('a[rel=next]');
    await settle(rp, v, 'after clicking next');
    expect(midOfUrl(v.finalUrl), 'next leads to the following overview row').toBe(expectedNext);
    expect(await rp.page.locator('pre#b').innerText()).toContain(`Message-ID: <${expectedNext}>`);

    // and prev from there comes back
    v = await rp.clickAndWait('a[rel=prev]');
    await settle(rp, v, 'after clicking prev');
    expect(midOfUrl(v.finalUrl), 'prev leads back').toBe(VFIO_01);

    // prev again: the cover letter, which is also the parent ("prev parent")
    expect(await rp.page.locator('a[rel=prev]').innerText()).toBe('prev parent');
    v = await rp.clickAndWait('a[rel=prev]');
    await settle(rp, v, 'after clicking prev parent');
    expect(midOfUrl(v.finalUrl)).toBe(VFIO_COVER);
    expect(await rp.page.locator('a[rel=prev]').count(), 'the first message has no prev').toBe(0);

    // a message whose previous row is not its parent gets both links
    await open(msgPath('iommu', VFIO_02));
    const rows2 = (await overviewRows()).filter((r) => !r.ghost);
    const at2 = rows2.findIndex((r) => r.current);
    const prev2 = midOfUrl(rows2[at2 - 1].href);
    expect(prev2).not.toBe(VFIO_COVER);
    expect(await rp.page.locator('a[rel=prev]').innerText()).toBe('prev');
    v = await rp.clickAndWait('a[rel=prev]');
    await settle(rp, v, 'after clicking prev on 02/16');
    expect(midOfUrl(v.finalUrl)).toBe(prev2);

    await open(msgPath('iommu', VFIO_02));
    v = await rp.clickAndWait('a:text-is("parent")');
    await settle(rp, v, 'after clicking parent on 02/16');
    expect(midOfUrl(v.finalUrl), 'parent of 02/16 is the cover letter').toBe(VFIO_COVER);
  });

  it('walks the whole thread with next, in overview order', async () => {
    await open(msgPath('iommu', VFIO_COVER));
    const order = (await overviewRows())
      .filter((r) => !r.ghost)
      .map((r) => (r.current ? VFIO_COVER : midOfUrl(r.href)));
    expect(order).toHaveLength(VFIO_THREAD_SIZE);
    // where each page's next link leads, as the browser resolves it: every page as served, parsed by
    // the browser's own parser (a click goes where the link's href resolves to)
    const next = await Promise.all(
      order.map(async (mid) => {
        const url = server.url + msgPath('iommu', mid);
        const html = await (await fetch(url)).text();
        return rp.page.evaluate(
          ([html, url]) => {
            const a = new DOMParser().parseFromString(html, 'text/html').querySelector('a[rel=next]');
            return a ? new URL(a.getAttribute('href')!, url).href : null;
          },
          [html, url],
        );
      }),
    );
    expect(next).toEqual([...order.slice(1).map((mid) => server.url + msgPath('iommu', mid)), null]);
    // and clicked, from the cover letter through the patches' first replies, and through the thread's end
    for (const from of [0, order.length - 6]) {
      await open(msgPath('iommu', order[from]));
      for (let i = from + 1; i < from + 6; i++) {
        const v = await rp.clickAndWait('a[rel=next]');
        expect(v.status, `next from ${order[i - 1]}`).toBe(200);
        allRequests.push(...(await rp.assertQuiet(`next from ${order[i - 1]}`)).requests);
        expect(midOfUrl(v.finalUrl), `step ${i}: next from ${order[i - 1]}`).toBe(order[i]);
      }
    }
    expect(await rp.page.locator('a[rel=next]').count(), 'the last message has no next').toBe(0);
  });

  it('opens a message by clicking its subject in the overview', async () => {
    await open(msgPath('iommu', VFIO_01));
    const row = rp.page.locator('pre:has-text("Thread overview:") a', {
      hasText: '[PATCH v7 07/16] vfio/type1: Add VFIO_IOMMU_PASID_REQUEST (alloc/free)',
    });
    expect(await row.count()).toBe(1);
    const [v] = await Promise.all([rp.page.waitForNavigation({ waitUntil: 'load' }), row.click()]);
    const visit = {
      url: v!.url(),
      finalUrl: rp.page.url(),
      status: v!.status(),
      contentType: (await v!.allHeaders())['content-type'],
      csp: (await v!.allHeaders())['content-security-policy'],
      response: v!,
    };
    await settle(rp, visit, 'after clicking an overview row');
    expect(midOfUrl(visit.finalUrl)).toBe('1599734733-6431-8-git-send-email-yi.l.liu@intel.com');
    const head = await rp.page.locator('pre#b').innerText();
    expect(head).toContain('Subject: [PATCH v7 07/16] vfio/type1: Add VFIO_IOMMU_PASID_REQUEST (alloc/free)');
    expect(await rp.page.locator('b:has(a#r)').innerText()).toContain('[this message]');
  });

  for (const [kind, nested] of [
    ['T', false],
    ['t', true],
  ] as const) {
    it(`${nested ? 'nested' : 'flat'} thread page ${kind}/ renders all ${VFIO_THREAD_SIZE} messages`, async () => {
      await open(msgPath('iommu', VFIO_01, `${kind}/`));
      const p = rp.page;
      const stars = p.locator('a[id^="m"]', { hasText: /^\*$/ });
      expect(await stars.count(), 'message anchors (*)').toBe(VFIO_THREAD_SIZE);
      const ids = await stars.evaluateAll((as) => as.map((a) => a.id));
      expect(
        ids.every((id) => /^m[0-9a-f]{40}$/.test(id)),
        'message anchors are m + sha1',
      ).toBe(true);
      expect(new Set(ids).size).toBe(VFIO_THREAD_SIZE);
      // each * links to the end of its message, and the end links back
      expect(await p.locator('a[id^="e"]', { hasText: /^\^$/ }).count()).toBe(VFIO_THREAD_SIZE);
      // the requested message is underlined: #u, where the overview's links point
      const u = p.locator('#u');
      expect(await u.count(), '#u anchor').toBe(1);
      expect(await u.innerText()).toBe('[PATCH v7 01/16] iommu: Report domain nesting info');
      const text = await p.locator('body').innerText();
      expect(text).toContain(`Thread overview: ${VFIO_THREAD_SIZE}+ messages`);
      expect(text).toContain('end of thread, other threads:');
      // the bottom overview links to the messages on this page
      const rowLinks = await p.locator('a[id^="r"][href^="#m"]').count();
      expect(rowLinks).toBe(VFIO_THREAD_SIZE);
      const lists = await p.evaluate(() => ({
        ul: document.querySelectorAll('ul').length,
        li: document.querySelectorAll('li').length,
        liPre: document.querySelectorAll('ul > li > pre').length,
      }));
      if (nested) {
        expect(lists.ul, 'nested page uses <ul>').toBeGreaterThan(0);
        // every message but the root sits in a list item
        expect(lists.liPre).toBeGreaterThanOrEqual(VFIO_THREAD_SIZE - 1);
      } else {
        expect(lists, 'flat page has no lists').toEqual({ ul: 0, li: 0, liPre: 0 });
      }
      // following a row's link stays on the page and lands on that message
      const link = p.locator('a[id^="r"][href^="#m"]').nth(40);
      const href = (await link.getAttribute('href'))!;
      await link.click();
      expect(new URL(p.url()).hash).toBe(href);
      expect(await p.locator(href).isVisible()).toBe(true);
      await rp.assertQuiet(`after following ${href} on ${kind}/`);
    });
  }

  it('reply instructions: git send-email with --in-reply-to, --to, --cc, and a mailto link', async () => {
    await open(msgPath('iommu', VFIO_01));
    const r = rp.page.locator('pre#R');
    expect(await r.count()).toBe(1);
    const text = await r.innerText();
    expect(text).toContain('git send-email');
    expect(text).toContain(`--in-reply-to=${VFIO_01}`);
    expect(text).toContain('--to=yi.l.liu@intel.com');
    for (const cc of ['alex.williamson@redhat.com', 'iommu@lists.linux-foundation.org', 'kvm@vger.kernel.org'])
      expect(text).toContain(`--cc=${cc}`);
    expect(text).toContain("--subject='Re: [PATCH v7 01/16] iommu: Report domain nesting info'");
    expect(text).toContain('/path/to/YOUR_REPLY');
    const mailto = await r.locator('a[href^="mailto:"]').getAttribute('href');
    expect(mailto).toBeTruthy();
    const u = new URL(mailto!);
    expect(u.pathname).toBe('yi.l.liu@intel.com');
    expect(u.searchParams.get('In-Reply-To')).toBe(`<${VFIO_01}>`);
    expect(u.searchParams.get('Subject')).toBe('Re: [PATCH v7 01/16] iommu: Report domain nesting info');
    expect(u.searchParams.get('Cc')).toContain('iommu@lists.linux-foundation.org');
    // "reply" in the navigation jumps here
    await rp.page.click('a[href="#R"]');
    expect(new URL(rp.page.url()).hash).toBe('#R');
    // and the raw link gives the message itself
    const raw = await rp.goto(msgPath('iommu', VFIO_01, 'raw'));
    expect(raw.status).toBe(200);
    expect(raw.contentType).toMatch(/^text\/plain/);
    expect(cspProblems(raw.csp)).toEqual([]);
    expect(await rp.page.locator('body').innerText()).toMatch(
      new RegExp(`^Message-Id: <${VFIO_01.replace(/[.]/g, '\\.')}>$`, 'mi'),
    );
    await rp.assertQuiet('raw');
  });

  it('shows [not found] rows for the missing messages of the vsock thread', async () => {
    await open(msgPath('virtualization', VSOCK_MST));
    const rows = await overviewRows();
    const ghosts = rows.filter((r) => r.ghost);
    expect(ghosts.length, 'ghost rows').toBeGreaterThan(0);
    const overview = await rp.page.locator('pre', { hasText: 'Thread overview:' }).innerText();
    expect(overview).toMatch(/\[not found\].*<20210802120720\.547894-1-fuguancheng@bytedance\.com>/);
    expect(rows.filter((r) => r.current)).toHaveLength(1);
    // a ghost's link goes to the not-found page for that id, which says so (and is still ours)
    const ghost = ghosts[0];
    const v = await rp.goto(ghost.href);
    // 300 rather than 404 when it suggests other archives to try, as public-inbox does
    expect([300, 404], `ghost ${ghost.href}: status ${v.status}`).toContain(v.status);
    expect(cspProblems(v.csp)).toEqual([]);
    await rp.assertQuiet(`ghost page ${ghost.href}`);
    expect(structureProblems(await structureOf(rp.page), rp.origin), 'not-found page structure').toEqual([]);
    expect(await rp.page.locator('body').innerText()).toContain(`Message-ID <${midOfUrl(ghost.href)}>\nnot found`);
    // the nested thread page shows its missing parents too
    await open(msgPath('virtualization', VSOCK_MST, 't/'));
    expect(await rp.page.locator('body').innerText()).toContain('[parent not found: <');
  });

  it('fits a 375px phone screen without horizontal scrolling', async () => {
    const phone = await RecordedPage.open(browser, server.url, {
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const pages = [
        msgPath('iommu', VFIO_01),
        msgPath('iommu', VFIO_09),
        msgPath('iommu', VFIO_01, 'T/'),
        msgPath('virtualization', VSOCK_MST),
        '/iommu/',
        '/',
      ];
      const overflow: string[] = [];
      for (const path of pages) {
        await open(path, phone);
        const m = await phone.page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
          widest: [...document.querySelectorAll('body *')]
            .map((el) => ({
              el: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`,
              right: Math.round(el.getBoundingClientRect().right),
            }))
            .sort((a, b) => b.right - a.right)[0],
        }));
        if (m.client > 380 || m.scroll > 375 + 4)
          overflow.push(
            `${path}: scrollWidth ${m.scroll}, clientWidth ${m.client}, widest ${JSON.stringify(m.widest)}`,
          );
      }
      expect(overflow, 'pages wider than the phone').toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('fits a 375px phone screen on the nested thread page too', async () => {
    // each reply level is a nested <ul>; with the browser's default 40px list padding a deep
    // thread pushes its replies far off the right edge of a phone
    const phone = await RecordedPage.open(browser, server.url, {
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const path = msgPath('iommu', VFIO_01, 't/');
      await open(path, phone);
      const m = await phone.page.evaluate(() => {
        const deepest = [...document.querySelectorAll('li')].sort(
          (a, b) => b.getBoundingClientRect().left - a.getBoundingClientRect().left,
        )[0];
        let depth = 0;
        for (let e: Element | null = deepest; e; e = e.parentElement) if (e.localName === 'ul') depth++;
        return {
          scroll: document.documentElement.scrollWidth,
          deepestLeft: Math.round(deepest.getBoundingClientRect().left),
          depth,
        };
      });
      expect(
        m.scroll,
        `${path}: scrollWidth ${m.scroll} on a 375px screen; the deepest reply (${m.depth} lists deep) starts at x=${m.deepestLeft}`,
      ).toBeLessThanOrEqual(375 + 4);
    } finally {
      await phone.close();
    }
  });

  it('follows the reader into dark mode, and stays light otherwise', async () => {
    const luminance = (css: string) => {
      const m = /rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/.exec(css);
      if (!m) throw new Error(`unparsed colour ${css}`);
      if (m[4] !== undefined && Number(m[4]) === 0) return 1; // transparent: the canvas is white
      return (0.2126 * Number(m[1]) + 0.7152 * Number(m[2]) + 0.0722 * Number(m[3])) / 255;
    };
    const colours = () =>
      rp.page.evaluate(() => ({
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.body).color,
        add: getComputedStyle(document.querySelector('span.add')!).color,
        link: getComputedStyle(document.querySelector('a')!).color,
      }));
    try {
      await rp.page.emulateMedia({ colorScheme: 'dark' });
      await open(msgPath('iommu', VFIO_01));
      const dark = await colours();
      expect(luminance(dark.bg), `dark background, got ${dark.bg}`).toBeLessThan(0.2);
      expect(luminance(dark.fg), `light text on it, got ${dark.fg}`).toBeGreaterThan(0.5);
      expect(luminance(dark.add), `readable added lines, got ${dark.add}`).toBeGreaterThan(0.3);
      expect(luminance(dark.link), `readable links, got ${dark.link}`).toBeGreaterThan(0.3);

      await rp.page.emulateMedia({ colorScheme: 'light' });
      await open(msgPath('iommu', VFIO_01));
      const light = await colours();
      expect(luminance(light.bg), `light background, got ${light.bg}`).toBeGreaterThan(0.8);
      expect(luminance(light.fg), `dark text, got ${light.fg}`).toBeLessThan(0.3);
    } finally {
      await rp.page.emulateMedia({ colorScheme: 'light' });
    }
  });

  it('never requests anything from another origin, on any page visited here', async () => {
    // a few more pages of every kind, then everything recorded in this file
    for (const path of [
      '/',
      '/iommu/',
      '/virtualization/',
      '/qemu-devel/',
      '/kvm/',
      msgPath('virtualization', VSOCK_MST, 'T/'),
      '/iommu/_/text/help/',
      '/iommu/_/text/color/',
      '/iommu/_/text/mirror/',
    ]) {
      const v = await rp.goto(path);
      expect(v.status, path).toBe(200);
      expect(cspProblems(v.csp), path).toEqual([]);
      const a = await rp.assertQuiet(path);
      allRequests.push(...a.requests);
    }
    expect(allRequests.length).toBeGreaterThan(20);
    const foreign = allRequests.filter((r) => !rp.sameOrigin(r.split(' ')[1]));
    expect(foreign, 'requests to other origins').toEqual([]);
    // the stylesheet is the only subresource any page loads
    const sub = [...new Set(allRequests.map((r) => new URL(r.split(' ')[1]).pathname))].filter(
      (p) => !p.endsWith('/') && !p.endsWith('/raw'),
    );
    expect(
      sub.every((p) => p.endsWith('/_/lorekeeper.css')),
      `subresources: ${JSON.stringify(sub)}`,
    ).toBe(true);
  });
});
