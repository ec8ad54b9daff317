// The `N+ messages` of a thread overview: strict and loose matches counted together, including a
// thread beyond the THREAD_PAGE_LIMIT messages a page shows; and the roots it lays out, page after page.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { THREAD_PAGE_LIMIT } from '../../src/store/reader.js';
import { tempDir } from '../helpers/paths.js';
import { appOver, midUrl } from '../helpers/app.js';

const BIG = THREAD_PAGE_LIMIT + 5;

function mail(mid: string, subject: string, minute: number, parent?: string): string {
  const date = new Date(Date.UTC(2024, 0, 1, 0, minute)).toUTCString().replace('GMT', '+0000');
  return [
    'From mboxrd@z Thu Jan  1 00:00:00 1970',
    'From: A <a@example.org>',
    `Subject: ${subject}`,
    `Date: ${date}`,
    `Message-ID: <${mid}>`,
    ...(parent ? [`In-Reply-To: <${parent}>`, `References: <${parent}>`] : []),
    '',
    `body of ${mid}`,
    // mboxes separate messages with a blank line before the next From line
    '',
    '',
  ].join('\n');
}

describe('the thread overview count', () => {
  let app: App;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    const mbox = join(dir, 'in.mbox');
    const big = [
      mail('big-0@t', 'big thread', 0),
      ...Array.from({ length: BIG - 1 }, (_, i) => mail(`big-${i + 1}@t`, 'Re: big thread', i + 1, 'big-0@t')),
    ];
    // two strict messages, and one with the same subject that names no parent: a loose match
    const small = [
      mail('small-0@t', 'small thread', 0),
      mail('small-1@t', 'Re: small thread', 1, 'small-0@t'),
      mail('loose-0@t', 'Re: small thread', 2),
    ];
    writeFileSync(mbox, [...big, ...small].join(''));
    expect(await ingest({ dataDir: dir, inbox: 'c', sources: [mbox], jobs: 0 })).toMatchObject({ added: BIG + 3 });
    app = await appOver(dir);
  });
  afterAll(async () => app.fastify.close());

  const count = async (mid: string) => {
    const page = (await app.fastify.inject({ url: midUrl('c', mid) })).body;
    return Number(/(\d+)\+ messages/.exec(page)?.[1]);
  };

  it('counts a thread past the page limit in full', async () => {
    expect(await count('big-7@t')).toBe(BIG);
  });

  it('counts loose subject matches with the strict ones', async () => {
    expect(await count('small-1@t')).toBe(3);
    expect(await count('loose-0@t')).toBe(3);
  });

  it('shows every root of a thread page after page, though pages of a thread share its laid-out tree', async () => {
    // uncached answers: each request lays the thread out again from the tree its rows were given
    const uncached = await buildApp({ dataDir: dir, cacheBytes: 0 });
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) {
        for (const suffix of ['', 'T/'])
          pages.push((await uncached.fastify.inject({ url: midUrl('c', 'loose-0@t', suffix) })).body);
      }
      for (const page of pages) {
        // loose-0 is the root of its own strict thread, shown first, then small-0's thread below the divider
        expect(page).toContain('strict thread matches above, loose matches on Subject: below');
        expect(page).toContain('small-0@t');
      }
      expect(pages[2]).toBe(pages[0]);
      expect(pages[5]).toBe(pages[1]);
    } finally {
      await uncached.fastify.close();
    }
  });
});
