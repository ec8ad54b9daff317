// Found by the fuzz (test/fuzz/found/): two messages whose References name 12,500 fresh ids each,
// the second continuing the first's chain. Every page of their thread used to build a ghost chain
// 25,000 deep, and answered 500 (a string past V8's limit) after half a minute.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { MAX_TREE_REFS } from '../../src/mail/thread-tree.js';
import { ROOT, tempDir } from '../helpers/paths.js';
import { appOver, midUrl } from '../helpers/app.js';
import { openReader } from '../helpers/store.js';

const FOUND = join(ROOT, 'test', 'fuzz', 'found');

describe('a thread 25,000 references deep', () => {
  let app: App;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await ingest({
      dataDir: dir,
      inbox: 'x',
      sources: [join(FOUND, 'deep-references-1.eml'), join(FOUND, 'deep-references-2.eml')],
      jobs: 0,
    });
    app = await appOver(dir);
  });
  afterAll(async () => app.fastify.close());

  it('shows every page with the closest ancestors only', async () => {
    for (const url of [
      '/x/',
      midUrl('x', 'deep-refs-1@example.org'),
      midUrl('x', 'deep-refs-2@example.org', 'T/'),
      midUrl('x', 'deep-refs-2@example.org', 't/'),
      '/x/new.atom',
    ]) {
      const res = await app.fastify.inject({ url });
      expect([url, res.statusCode]).toEqual([url, 200]);
      // each message hangs under at most MAX_TREE_REFS ghosts: pages stay small
      expect(res.body.length, url).toBeLessThan(200_000);
    }
    const page = (await app.fastify.inject({ url: midUrl('x', 'deep-refs-2@example.org') })).body;
    const ghosts = page.match(/\[not found\]|parent not found/g) ?? [];
    expect(ghosts.length).toBeGreaterThan(0);
    expect(ghosts.length).toBeLessThanOrEqual(2 * MAX_TREE_REFS);
  });

  // a server that showed many pages of such threads kept every row's 12,500 references in its
  // thread cache, and ran out of memory (found by the fuzz: a 637,562-row thread)
  it('keeps only the closest references of each message in memory', () => {
    const { db, reader } = openReader(dir);
    try {
      const m = reader.messageByMid('deep-refs-2@example.org', 'all')!;
      const stored = (db.prepare('SELECT refs FROM msg WHERE num = ?').pluck().get(m.num) as string).split('\n');
      expect(stored.length).toBeGreaterThan(10_000);
      expect(m.refs).toEqual(stored.slice(-MAX_TREE_REFS));
      // threading follows the closest references too: the second message's link to the first's
      // chain (its oldest reference) is 12,500 references away, so it starts a thread of its own
      const { members } = reader.thread(m, 'all');
      expect(members.map((r) => r.mid)).toEqual(['deep-refs-2@example.org']);
      const ghostRows = db.prepare('SELECT count(*) FROM msg WHERE tid = ? AND num < 0').pluck().get(m.tid) as number;
      expect(ghostRows).toBe(MAX_TREE_REFS);
      // the ghosts of the thread, found in one query: the held message is found, a ghost is not
      const found = reader.messagesByMids(['deep-refs-1@example.org', stored[0], stored[stored.length - 1]], 'all');
      expect([...found.keys()]).toEqual(['deep-refs-1@example.org']);
      expect(found.get('deep-refs-1@example.org')).toEqual(reader.messageByMid('deep-refs-1@example.org', 'all'));
    } finally {
      db.close();
    }
  });
});
