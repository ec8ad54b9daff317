// A page new mail dropped, rendered again by one worker, goes to the others; a page asked for the
// first time does not (crawlers ask for each page once) unless it took long to render. Another
// worker keeps it only when it stands exactly where the render read the store: after new mail
// changed the page, an answer rendered before it (a late message between workers) is refused, and
// the worker answers what a server with an empty cache answers.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import type { SharedAnswer } from '../../src/serve/shared-answers.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { midUrl } from '../helpers/app.js';

const THREAD = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const PAGES = [midUrl('iommu', COVER, 'T/'), midUrl('iommu', COVER), '/iommu/', '/iommu/new.atom'];
/** The response cache key of a page asked for under Host lore.test (request-key.ts). */
const keyOf = (url: string) => `http://lore.test ${url}?`;

describe('answers shared between workers', () => {
  let dir: string;
  let src: string;
  /** The worker that renders, the one that is handed its answers. */
  let a: App;
  let b: App;
  const sent: SharedAnswer[] = [];

  const get = (app: App, url: string) => app.fastify.inject({ url, headers: { host: 'lore.test' } });
  const add = (name: string, messages: Buffer[]) => {
    const path = join(src, name);
    writeFileSync(path, Buffer.concat(messages.map(toMboxrd)));
    return ingest({ dataDir: dir, inbox: 'iommu', sources: [path], jobs: 0, epochs: false });
  };
  /** What a server with an empty cache answers now. */
  const cold = async (url: string) => {
    const c = await buildApp({ dataDir: dir });
    try {
      return (await get(c, url)).body;
    } finally {
      await c.fastify.close();
    }
  };

  beforeAll(async () => {
    dir = tempDir();
    src = tempDir();
    await add('first.mbox', THREAD.slice(0, 6));
    // (however long a render takes on this machine: the test after these sets a time of its own)
    a = await buildApp({ dataDir: dir, debugCache: true, share: (s) => sent.push(s), shareRendersFromMs: Infinity });
    b = await buildApp({ dataDir: dir, debugCache: true });
  });
  afterAll(async () => {
    await a.fastify.close();
    await b.fastify.close();
  });

  it('hands on no page asked for the first time', async () => {
    for (const url of PAGES) {
      const r = await get(a, url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['x-cache'], url).toBe('miss');
    }
    expect(sent).toEqual([]);
  });

  it('hands on the pages new mail dropped, which another worker at the same point keeps and serves', async () => {
    await add('middle.mbox', THREAD.slice(6, 12));
    for (const url of PAGES) {
      const r = await get(a, url);
      expect(r.headers['x-cache'], url).toBe('miss');
      const s = sent.find((x) => x.key === keyOf(url));
      expect(s, url).toBeDefined();
      expect(b.takeShared(s!)).toBe(true);
      const hit = await get(b, url);
      expect(hit.headers['x-cache'], url).toBe('hit');
      expect(hit.body).toBe(r.body);
    }
  });

  it('refuses an answer rendered before new mail it has heard of, and answers fresh', async () => {
    const before = new Map(PAGES.map((url) => [url, sent.find((x) => x.key === keyOf(url))!]));
    await add('rest.mbox', THREAD.slice(12));
    // the other worker hears of the new mail (any request syncs it) before the late answers reach it
    await get(b, '/');
    for (const url of PAGES) {
      const want = await cold(url);
      expect(want).not.toBe(before.get(url)!.answer.body.toString('utf8'));
      expect(b.takeShared(before.get(url)!), url).toBe(false);
      expect((await get(b, url)).body, url).toBe(want);
    }
  });

  it('keeps an answer rendered after the new mail', async () => {
    const url = PAGES[0];
    sent.length = 0;
    const r = await get(a, url);
    expect(r.headers['x-cache']).toBe('miss');
    expect(sent).toHaveLength(1);
    // b rendered the page itself in the test before: a fresh worker stands where a does
    const c = await buildApp({ dataDir: dir, debugCache: true });
    try {
      expect(c.takeShared(sent[0])).toBe(true);
      const hit = await get(c, url);
      expect(hit.headers['x-cache']).toBe('hit');
      expect(hit.body).toBe(await cold(url));
    } finally {
      await c.fastify.close();
    }
  });

  it('hands on a page asked for the first time that took long to render', async () => {
    const shared: SharedAnswer[] = [];
    // any render takes more than a nanosecond
    const slow = await buildApp({ dataDir: dir, share: (s) => shared.push(s), shareRendersFromMs: 1e-6 });
    try {
      expect((await get(slow, PAGES[0])).statusCode).toBe(200);
      expect(shared.map((s) => s.key)).toEqual([keyOf(PAGES[0])]);
    } finally {
      await slow.fastify.close();
    }
  });
});
