// An index page of older messages (?t=) stays cached when new mail arrives outside its window, and
// is never stale when mail arrives inside it, however near its edge. The 569 real messages of the
// hostile sample, stamped by a Received: header as arriving 10 minutes apart from midnight (four
// days: the sample's own dates are seconds apart); held back, then ingested: the newest sixty, and
// two that no other message names, each 10 minutes inside one edge of a window of 200 messages
// (an index page's) and in the hour of that edge, far from each other and from the newest: a page
// whose window were tagged an hour short at either end would be left stale (the held-back
// messages being the only new mail in their windows, no other tag drops those pages).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { ts2str } from '../../src/html/dates.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';

const START = Date.UTC(2024, 0, 1) / 1000;
/** A Received: date as mail servers write it (public-inbox reads only a numeric zone there). */
const received = (ts: number) => new Date(ts * 1000).toUTCString().replace('GMT', '+0000');
const ALL = readMbox(fixture('hostile-sample.mbox.gz')).map((raw, i) =>
  Buffer.concat([Buffer.from(`Received: by lore.test; ${received(START + i * 600)}\n`), raw]),
);
const MIDS = ALL.map((raw) => /^Message-ID:[ \t]*<([^>]+)>/im.exec(raw.toString('latin1'))?.[1]);
/** Nothing else names it: it joins no thread of an older window (which would drop that page anyway). */
const unreferenced = (i: number) => !!MIDS[i] && ALL.every((raw, j) => j === i || !raw.includes(MIDS[i]!));
/** Messages on an index page. */
const PAGE = 200;
const NEWEST = 60;
/** The ?t= of message i's arrival, or `d` seconds after it. */
const at = (i: number, d = 0) => ts2str(START + i * 600 + d);
/** Message i arrives in the hour of the time `d` seconds after it. */
const sameHour = (i: number, d: number) =>
  Math.floor((START + i * 600) / 3600) === Math.floor((START + i * 600 + d) / 3600);
const first = (from: number, to: number, ok: (i: number) => boolean) => {
  for (let i = from; i < to; i++) if (unreferenced(i) && ok(i)) return i;
  throw new Error(`no message to hold back in ${from}..${to}`);
};
/** Held back 5 minutes after the start of a window of the 200 after it (`?t=START-`). */
const AFTER_START = first(1, ALL.length - NEWEST - PAGE, (i) => sameHour(i, -300));
/** Held back 5 minutes before the end of a window of the 200 before it (`?t=END`). */
const BEFORE_END = first(AFTER_START + PAGE + 2, ALL.length - NEWEST - 1, (i) => sameHour(i, 300));
const EDGE_PAGES = [`/h/?t=${at(AFTER_START, -300)}-`, `/h/?t=${at(BEFORE_END, 300)}`];
const held = (i: number) => i === AFTER_START || i === BEFORE_END || i >= ALL.length - NEWEST;
const FIRST = ALL.filter((_m, i) => !held(i));
const LATER = ALL.filter((_m, i) => held(i));

describe('index pages of older messages after new mail', () => {
  let dir: string;
  let warm: App;
  let urls: string[];
  /** The pages as they were before the held-back mail arrived. */
  const before = new Map<string, string>();

  const ask = (app: App, url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });

  beforeAll(async () => {
    dir = tempDir();
    await ingest({ dataDir: dir, inbox: 'h', sources: [tempMbox(FIRST)], jobs: 0 });
    // the two edge windows; windows ending every 10 messages (40 past the deep chain, whose pages the
    // wide thread's root arriving drops: they look it up), windows between two of those ends, and
    // windows starting every 10 (then 40) messages
    const list = [...EDGE_PAGES];
    for (let e = PAGE + 5; e < ALL.length; e += e < 250 ? 10 : 40)
      list.push(`/h/?t=${at(e)}`, `/h/?t=${at(e - PAGE - 40)}-${at(e)}`);
    for (let s = 5; s < ALL.length; s += s < 50 ? 10 : 40) list.push(`/h/?t=${at(s)}-`);
    urls = [...new Set(list)];
    warm = await buildApp({ dataDir: dir, debugCache: true });
    for (const url of urls) {
      const r = await ask(warm, url);
      expect(r.statusCode).toBe(200);
      before.set(url, r.body);
    }
  });
  afterAll(() => warm.fastify.close());

  it('drops the pages whose window the new mail falls in, and only those', async () => {
    const r = await ingest({ dataDir: dir, inbox: 'h', sources: [tempMbox(LATER)], jobs: 0 });
    expect(r.added).toBeGreaterThan(50);
    const cold = await buildApp({ dataDir: dir });
    try {
      let kept = 0;
      for (const url of urls) {
        const got = await ask(warm, url);
        const want = await ask(cold, url);
        expect({ url, status: got.statusCode, body: got.body }).toEqual({
          url,
          status: want.statusCode,
          body: want.body,
        });
        if (got.headers['x-cache'] === 'hit') kept++;
        // the edge windows show the message held back at their edge: they were dropped, and changed
        if (EDGE_PAGES.includes(url))
          expect({ url, cache: got.headers['x-cache'], changed: got.body !== before.get(url) }).toEqual({
            url,
            cache: 'miss',
            changed: true,
          });
      }
      // the windows before the mail held back stay; the ones holding its hours, and the newest, do not
      // (the 8 windows of the sample's first 250 messages that hold neither message held back)
      expect(kept).toBeGreaterThanOrEqual(8);
      expect(kept).toBeLessThan(urls.length);
    } finally {
      await cold.fastify.close();
    }
  });
});
