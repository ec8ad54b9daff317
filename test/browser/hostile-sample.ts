// Every message of the hostile sample on its pages: its message page, its raw text and (mostly) its
// thread page, opened in a real browser with JavaScript on. No script may run, nothing may be fetched
// from anywhere but the server, and the page must keep its own structure whatever the mail contains.
// hostile.test.ts (npm test) opens the message page of every case in the browser (and 7 of the 500
// bulk messages of the deep chain and the wide thread: plain text, whose pages differ only by their
// place in those two threads), the thread pages of threads of more than one message, and the raw text
// of the mails written in HTML; it checks the cases' other thread pages and raw texts as served (over
// HTTP, the HTML parsed by the browser's own parser without running it), and the other 493 bulk
// messages' pages and raw texts over HTTP only (status, headers, reply command, the bytes).
// hostile.long.test.ts opens every page in the browser.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { messageIds, midAnchor, midEscape } from '../../src/mail/message-id.js';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import {
  Pool,
  hostileSite,
  caseOf,
  BULK,
  BULK_SAMPLE,
  RAW_OPENED,
  sendEmailIn,
  sendEmailCommand,
  type Located,
} from '../helpers/hostile.js';
import { tempDir, HOSTILE_SAMPLE, HOSTILE_CASES } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import type { TestServer } from '../helpers/server.js';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/app.js';
import {
  RecordedPage,
  TRIPWIRE,
  cspProblems,
  fetchServed,
  servedDocument,
  structureOf,
  structureProblems,
  type ServedDocument,
  type Visit,
  haveChromium,
} from '../helpers/browser.js';

interface Case {
  case: string;
  expect: Record<string, unknown>;
}

const INBOX = 'hostile';
const MESSAGES = readMbox(HOSTILE_SAMPLE);
const CASES = new Map((JSON.parse(readFileSync(HOSTILE_CASES, 'utf8')) as Case[]).map((c) => [c.case, c.expect]));
/** Tabs visiting pages at once, all in the one browser context; vitest runs up to 5 concurrent tests. */
const TABS = 4;

/** Outside single quotes, a shell command line may hold only these (and backslash-newline). */
function shellProblems(command: string): string[] {
  const out: string[] = [];
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === '\\')
      i++; // backslash-newline continues the line; any other escaped character is literal
    else if (!/[A-Za-z0-9@._+=,:/%~\s-]/.test(c))
      out.push(`unquoted ${JSON.stringify(c)} at ${JSON.stringify(command.slice(Math.max(0, i - 30), i + 30))}`);
  }
  if (quoted) out.push('unterminated quote');
  return out;
}

/** The suite; `exhaustive` opens every page in the browser, else some are checked as served (see above). */
export function hostileSampleSuite(exhaustive: boolean): void {
  describe.skipIf(!haveChromium())(`the hostile sample in a real browser${exhaustive ? ', every message' : ''}`, () => {
    let dir: string;
    let summary: IngestSummary;
    let server: TestServer;
    let browser: Browser;
    let closeSite: (() => Promise<void>) | undefined;
    let tabs: Pool<RecordedPage>;
    let located: Map<number, Located>;
    /** Pages opened in the browser, and pages checked as served. */
    const visited = { message: 0, raw: 0, thread: 0 };
    const fetched = { message: 0, raw: 0, thread: 0 };
    const foreign: string[] = [];
    /** Requests the pages of the html-only mails made for their tracker (none may). */
    const tracked: string[] = [];
    /** Whose message page the browser opens; the raw text; the thread page (of those checked: threadChecked). */
    const browsed = (name: string) => exhaustive || !BULK.test(name) || BULK_SAMPLE.test(name);
    const rawBrowsed = (name: string) => exhaustive || RAW_OPENED.test(name);
    const threadBrowsed = (loc: Located) => exhaustive || loc.threadSize > 1;
    // Thread pages (/T/) for every message except the 500 deep-N and wide-N ones: those would all
    // render one of the same two pages (the 200-deep chain, the 301-message wide thread), so those
    // threads are checked once, from their roots (deep-0, wide-root), whose pages show every message.
    const threadChecked = (name: string, loc: Located) => !BULK.test(name) || loc.root;

    beforeAll(async () => {
      dir = tempDir('lk-browser-hostile-');
      summary = await ingest({ dataDir: dir, inbox: INBOX, sources: [HOSTILE_SAMPLE], jobs: 2 });
      ({ located, server, browser, tabs, close: closeSite } = await hostileSite(dir, INBOX, MESSAGES, TABS));
    });

    afterAll(async () => {
      await closeSite?.();
    });

    /** A visit to an HTML page of ours: 200, strict CSP, nothing ran, nothing left, structure intact. */
    async function checkHtml(tab: RecordedPage, v: Visit, label: string): Promise<string[]> {
      const problems: string[] = [];
      if (v.status !== 200) problems.push(`HTTP ${v.status}`);
      if (!v.contentType.startsWith('text/html')) problems.push(`content type ${v.contentType}`);
      if (v.finalUrl !== v.url) problems.push(`ended up at ${v.finalUrl}`);
      problems.push(...cspProblems(v.csp));
      try {
        const a = await tab.assertQuiet(label);
        foreign.push(...a.foreignRequests);
      } catch (e) {
        problems.push((e as Error).message);
      }
      problems.push(...structureProblems(await structureOf(tab.page), tab.origin));
      return problems;
    }
    /** An HTML page of ours as served: 200, strict CSP, nosniff, the structure the browser's parser makes of it. */
    async function checkServedHtml(
      tab: RecordedPage,
      url: string,
    ): Promise<{ problems: string[]; served: ServedDocument }> {
      const r = await fetchServed(url);
      const problems = r.problems('text/html');
      const served = await servedDocument(tab.page, url, r.body);
      problems.push(...structureProblems(await structureOf(tab.page, served), tab.origin));
      return { problems, served };
    }

    it('has tripwires that do fire: a page that misbehaves is caught in every way checked below', async () => {
      // a stand-in server serving what an injection would produce, with and without our CSP
      const evil = `<!DOCTYPE html><title>x</title><link rel=stylesheet href="http://tracker.example/s.css"><style>p{}</style>
<form action="http://tracker.example/f"></form><p>hi</p><script>${TRIPWIRE}('inline')</script>
<img src=x onerror="alert('onerror')"><img src="http://tracker.example/x.png"><iframe src="/inner"></iframe>
<a id=j href="javascript:${TRIPWIRE}('href')">j</a>`;
      const srv = createServer((req, res) => {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        if (req.url === '/csp') res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
        res.end(req.url === '/inner' ? '<p>inner</p>' : evil);
      });
      await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const bypass = await RecordedPage.open(browser, base, { bypassCSP: true });
      const enforced = await RecordedPage.open(browser, base);
      try {
        await bypass.goto('/');
        let a = await bypass.activity();
        expect(a.dialogs, 'dialogs').toEqual(['alert: onerror']);
        expect(a.tripwireCalls, 'tripwire').toEqual([`${base}/: ["inline"]`]);
        expect(a.scripts.length, 'compiled page scripts').toBeGreaterThanOrEqual(2);
        expect(a.foreignRequests, 'foreign requests').toEqual(
          expect.arrayContaining(['GET http://tracker.example/x.png', 'GET http://tracker.example/s.css']),
        );
        expect(a.extraFrames, 'frames').toHaveLength(1);
        await expect(bypass.assertQuiet('evil page')).rejects.toThrow(/script ran: dialogs/);
        const expected = [
          'forbidden elements',
          '<script>',
          '<iframe',
          '<style>',
          'inline event handlers',
          'onerror=',
          'javascript:',
          'stylesheets other than our own',
          'form posts elsewhere',
        ];
        // the page the browser made of it, and the same HTML parsed by the browser without running it
        for (const s of [
          await structureOf(bypass.page),
          await structureOf(bypass.page, await servedDocument(bypass.page, base, evil)),
        ]) {
          const problems = structureProblems(s, base).join('\n');
          for (const p of expected) expect(problems, `structure check notices ${p}`).toContain(p);
        }
        bypass.reset();
        await bypass.page.click('#j');
        // the click only queues the javascript: navigation; its call arrives when the page gets to it
        await expect
          .poll(async () => (await bypass.activity()).tripwireCalls, {
            message: 'a javascript: link, clicked',
            timeout: 10_000,
          })
          .toEqual([`${base}/: ["href"]`]);

        // behind the CSP nothing runs, but the browser says it refused: a console message
        await enforced.goto('/csp');
        a = await enforced.activity();
        expect(a.dialogs).toEqual([]);
        expect(a.tripwireCalls).toEqual([]);
        expect(a.console.join('\n')).toMatch(/Content Security Policy/);
        await expect(enforced.assertQuiet('evil page behind CSP')).rejects.toThrow(/console messages/);
      } finally {
        await bypass.close();
        await enforced.close();
        srv.close();
      }
    });

    it('ingested all 569 messages and found each in the store', () => {
      expect(MESSAGES).toHaveLength(569);
      expect(summary).toMatchObject({ read: 569, added: 568, duplicates: 1, quarantined: 0 });
      const missing = MESSAGES.map((m, i) => (located.has(i) ? undefined : caseOf(m, i))).filter(Boolean);
      expect(missing, 'messages not found in the store').toEqual([]);
      expect(
        [...located.values()].filter((l) => !l.ownBlob).length,
        'only the identical duplicate is stored as another copy',
      ).toBe(1);
      const generated = [...located.values()].filter((l) => l.mid.endsWith('@z'));
      expect(generated.length, 'no-mid and empty-mid got generated ids').toBe(2);
      const rootOf = (c: string) => located.get(MESSAGES.findIndex((m, i) => caseOf(m, i) === c))?.root;
      expect(
        ['deep-0', 'wide-root', 'deep-1', 'wide-0'].map(rootOf),
        'deep-0 and wide-root start their threads',
      ).toEqual([true, true, false, false]);
    });

    MESSAGES.forEach((raw, i) => {
      const name = caseOf(raw, i);
      const exp = CASES.get(name) ?? {};
      const inBrowser = browsed(name);
      const expects = Object.keys(exp).length ? ` (${Object.keys(exp).join(', ')})` : '';
      it.concurrent(`${name}: ${inBrowser ? 'opened' : 'over HTTP'}${expects}`, async ({ expect }) => {
        const loc = located.get(i);
        if (!loc) throw new Error(`${name}: message ${i} is not in the store`);
        const base = `/${INBOX}/${midEscape(loc.mid)}/`;
        const label = `${name} <${loc.mid}> ${server.url}${base}`;
        // over HTTP, every message: the page and its reply command as served, the raw text
        const page = await fetchServed(`${server.url}${base}`);
        fetched.message++;
        const problems = page.problems('text/html').map((p) => `page: ${p}`);
        const command = sendEmailCommand(page.body);
        if (!command) problems.push('page: no git send-email command in the reply instructions');
        else problems.push(...shellProblems(command).map((p) => `reply command: ${p}`));
        const rawText = await fetchServed(`${server.url}${base}raw`);
        fetched.raw++;
        problems.push(...rawText.problems('text/plain').map((p) => `raw: ${p}`));
        if (loc.ownBlob && !rawText.body.includes(`\nX-Case: ${name}\n`))
          problems.push(`raw: its X-Case line is missing`);

        // (the 493 bulk messages outside BULK_SAMPLE: plain text in the pages of the two threads that
        // BULK_SAMPLE's pages show; checked above over HTTP, opened in the long run)
        if (!inBrowser) {
          expect(problems, `${label}\n  ${problems.join('\n  ')}`).toEqual([]);
          return;
        }
        await tabs.with(async (tab) => {
          // the message page
          const v = await tab.goto(base);
          visited.message++;
          problems.push(...(await checkHtml(tab, v, label)).map((p) => `page: ${p}`));
          if (name.startsWith('xss-htmlonly-'))
            tracked.push(...(await tab.activity()).requests.filter((r) => r.includes('tracker.example')));
          if (v.status === 200) {
            const shown = await tab.page.evaluate(() => ({
              text: document.body.innerText,
              preB: document.querySelectorAll('pre#b').length,
              reply: (document.querySelector('pre#R') as HTMLElement | null)?.innerText ?? '',
            }));
            if (typeof exp.page_contains === 'string' && !shown.text.includes(exp.page_contains)) {
              problems.push(`page_contains: ${JSON.stringify(exp.page_contains)} not in the page text`);
            }
            if (shown.preB !== 1)
              problems.push(`page: ${shown.preB} <pre id=b> elements, expected the one holding the message`);
            // what a reader copies is what test/clients/send-email-shell.test.ts pastes: the command
            // decoded from the served HTML
            const copied = sendEmailIn(shown.reply);
            if (copied !== command)
              problems.push(
                `reply command: chromium shows ${JSON.stringify(copied)}, decoded from the HTML ${JSON.stringify(command)}`,
              );
          }

          // its raw text (as served: text/plain and nosniff, checked above)
          if (rawBrowsed(name)) {
            const v = await tab.goto(`${base}raw`);
            visited.raw++;
            if (v.status !== 200) problems.push(`raw: HTTP ${v.status}`);
            if (!v.contentType.startsWith('text/plain')) problems.push(`raw: content type ${v.contentType}`);
            try {
              foreign.push(...(await tab.assertQuiet(`${label}raw`)).foreignRequests);
            } catch (e) {
              problems.push(`raw: ${(e as Error).message}`);
            }
            if (v.status === 200 && loc.ownBlob) {
              // nothing of it may have become markup: the browser shows it as one text document
              const kinds = await tab.page.evaluate(() =>
                [...document.body.querySelectorAll('*')].map((e) => e.localName).join(' '),
              );
              if (kinds !== 'pre') problems.push(`raw: rendered as markup, not text: ${kinds.slice(0, 200)}`);
            }
          }

          // its thread
          if (!threadChecked(name, loc)) return;
          // (copies sharing a Message-ID, like dup-a and dup-b, each get an entry with the same anchor)
          const anchor = `a[id="m${midAnchor(loc.mid)}"]`;
          if (threadBrowsed(loc)) {
            const v = await tab.goto(`${base}T/`);
            visited.thread++;
            problems.push(...(await checkHtml(tab, v, `${label}T/`)).map((p) => `thread: ${p}`));
            if (v.status === 200 && (await tab.page.locator(anchor).count()) < 1)
              problems.push(`thread: no anchor #m${midAnchor(loc.mid)} for the message`);
          } else {
            const t = await checkServedHtml(tab, `${server.url}${base}T/`);
            fetched.thread++;
            problems.push(...t.problems.map((p) => `thread: ${p}`));
            const anchors = await tab.page.evaluate(([doc, sel]) => doc.querySelectorAll(sel).length, [
              t.served.doc,
              anchor,
            ] as const);
            if (anchors < 1) problems.push(`thread: no anchor #m${midAnchor(loc.mid)} for the message`);
          }
        });
        expect(problems, `${label}\n  ${problems.join('\n  ')}`).toEqual([]);
      });
    });

    describe('after every message', () => {
      it('checked every message page, raw text and thread page, opened or as served', () => {
        const entries = MESSAGES.map((m, i) => ({ name: caseOf(m, i), loc: located.get(i)! }));
        const threads = entries.filter((e) => threadChecked(e.name, e.loc));
        const counts = {
          message: entries.filter((e) => browsed(e.name)).length,
          raw: entries.filter((e) => rawBrowsed(e.name)).length,
          thread: threads.filter((e) => threadBrowsed(e.loc)).length,
        };
        expect(visited).toEqual(counts);
        expect(fetched).toEqual({ message: 569, raw: 569, thread: threads.length - counts.thread });
        if (exhaustive) expect(counts).toEqual({ message: 569, raw: 569, thread: threads.length });
        else expect(counts.message).toBe(76);
        // (npm test: the threads of more than one message, the copies of a reused id, the loops, the deep
        // chain and the wide thread)
        if (!exhaustive)
          expect(threads.filter((e) => threadBrowsed(e.loc)).map((e) => e.name)).toEqual([
            'dup-a',
            'dup-b',
            'dup-identical',
            'loop-a',
            'loop-b',
            'deep-0',
            'wide-root',
          ]);
        expect(foreign, 'requests that left the server').toEqual([]);
        // (the html-only mails embed a tracker image: never asked for, not even as a blocked request)
        expect(tracked, 'requests for the tracker of the html-only mails').toEqual([]);
      });

      it("reaches the odd Message-IDs through midEscape'd URLs, exactly as escaped", async () => {
        const tab = await tabs.acquire();
        try {
          for (const [n, mid] of ['a/b/../../c@h', '%2e%2e%2f@h', 'x?y=1#frag@h', 'sp ace@h'].entries()) {
            const raw = MESSAGES.find((m) => m.includes(`\nX-Case: odd-mid-${n}\n`))!;
            expect(messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0]).toBe(mid);
            const url = tab.urlOf(`/${INBOX}/${midEscape(mid)}/`);
            const v = await tab.goto(url);
            expect(v.status, `odd-mid-${n} ${url}`).toBe(200);
            expect(v.finalUrl, `the browser kept the escaped path of odd-mid-${n}`).toBe(url);
            expect(await tab.page.locator('pre#b').innerText()).toContain(`Message-ID: <${mid}>`);
            expect(await tab.page.locator('pre#b').innerText()).toContain(`Subject: odd mid ${n}`);
            await tab.assertQuiet(url);
            // the page's own relative links reach its raw text and thread
            const rawLink = tab.page.locator('pre#b a', { hasText: /^raw$/ });
            const rv = await Promise.all([tab.page.waitForNavigation(), rawLink.click()]).then(([r]) => r!);
            expect(rv.status(), `raw link of odd-mid-${n} (${rv.url()})`).toBe(200);
            expect(rv.url()).toBe(`${url}raw`);
            expect(await rv.text()).toContain(`Message-ID: <${mid}>`);
            const tv = await tab.goto(`${url}T/`);
            expect(tv.status, `thread of odd-mid-${n}`).toBe(200);
            expect(await tab.page.locator(`a#m${midAnchor(mid)}`).count()).toBe(1);
            await tab.assertQuiet(`${url}T/`);
          }
        } finally {
          tabs.add(tab);
        }
      });

      it('with the Content-Security-Policy enforced, the script cases do not even try', async () => {
        // an ordinary browser: a blocked inline script or image would show as a CSP console error
        const plain = await RecordedPage.open(browser, server.url);
        try {
          // (npm test: the first case of each kind of script injection; the long run: every one)
          const names = [...CASES.keys()].filter((c) => (exhaustive ? /^xss-/ : /^xss-[a-z]+-0$/).test(c));
          expect(names.length).toBe(exhaustive ? 36 : 6);
          for (const name of names) {
            const i = MESSAGES.findIndex((m) => m.includes(`\nX-Case: ${name}\n`));
            const loc = located.get(i)!;
            for (const suffix of exhaustive ? ['', 'T/', 'raw'] : ['']) {
              const url = `/${INBOX}/${midEscape(loc.mid)}/${suffix}`;
              const v = await plain.goto(url);
              expect(v.status, `${name} ${url}`).toBe(200);
              await plain.assertQuiet(`${name} ${plain.urlOf(url)}`);
            }
          }
        } finally {
          await plain.close();
        }
      });
    });
  });
}
