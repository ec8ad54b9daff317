// An index page of older messages (?t=) stays cached when new mail arrives outside its window, and
// is never stale when mail arrives inside it. The 569 real messages of the hostile sample, stamped
// by a Received: header as arriving 10 minutes apart (four days: the sample's own dates are seconds
// apart); held back, then ingested: ten from the middle of the time that no other message names, and
// the newest sixty.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { ts2str } from '../../src/html/dates.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox, tempMbox } from '../helpers/mbox.js';
import { openReader } from '../helpers/store.js';

const START = Date.UTC(2024, 0, 1) / 1000;
/** A Received: date as mail servers write it (public-inbox reads only a numeric zone there). */
const received = (ts: number) => new Date(ts * 1000).toUTCString().replace('GMT', '+0000');
const ALL = readMbox(fixture('hostile-sample.mbox.gz')).map((raw, i) =>
  Buffer.concat([Buffer.from(`Received: by lore.test; ${received(START + i * 600)}\n`), raw]),
);
const MIDS = ALL.map((raw) => /^Message-ID:[ \t]*<([^>]+)>/im.exec(raw.toString('latin1'))?.[1]);
/** Nothing else names it: it joins no thread of an older window (which would drop that page anyway). */
const unreferenced = (i: number) => !!MIDS[i] && ALL.every((raw, j) => j === i || !raw.includes(MIDS[i]!));
const MIDDLE = new Set(
  ALL.map((_m, i) => i)
    .filter((i) => i >= 250 && unreferenced(i))
    .slice(0, 10),
);
const held = (i: number) => MIDDLE.has(i) || i >= ALL.length - 60;
const FIRST = ALL.filter((_m, i) => !held(i));
const LATER = ALL.filter((_m, i) => held(i));

describe('index pages of older messages after new mail', () => {
  let dir: string;
  let warm: App;
  let urls: string[];

  const ask = (app: App, url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });

  beforeAll(async () => {
    dir = tempDir();
    await ingest({ dataDir: dir, inbox: 'h', sources: [tempMbox(FIRST)], jobs: 0 });
    const { db } = openReader(dir);
    const ts = db.prepare('SELECT DISTINCT ts FROM msg WHERE num > 0 AND quarantine IS NULL ORDER BY ts').pluck().all();
    db.close();
    // windows ending all along the list's time, and windows between two times
    const at = (k: number) => ts2str(ts[Math.floor(((ts.length - 1) * k) / 12)] as number);
    const list = [];
    for (let k = 1; k <= 12; k++) list.push(`/h/?t=${at(k)}`, `/h/?t=${at(k - 1)}-${at(k)}`, `/h/?t=${at(k - 1)}-`);
    urls = [...new Set(list)];
    warm = await buildApp({ dataDir: dir, debugCache: true });
    for (const url of urls) expect((await ask(warm, url)).statusCode).toBe(200);
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
      }
      // the full windows before the mail held back from the middle stay (as does the first after-window);
      // the ones holding its hours, and the newest, do not
      expect(kept).toBeGreaterThanOrEqual(3);
      expect(kept).toBeLessThan(urls.length);
    } finally {
      await cold.fastify.close();
    }
  });
});
