// A stream of junk URLs leaves a server's heap where it was: thousands of distinct URLs of every kind
// a client can vary (unknown Message-IDs and inboxes, cache-busting query strings, forged Hosts,
// Referers and ETags, searches, the Patchwork API's filter shapes) keep nothing per URL beyond the
// response cache's budget. Measured as the heap after a full collection, so any Map or Set keyed by
// something in the request (a router, key or statement cache left unbounded) shows, whoever adds it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildApp, type App } from '../../src/serve/app.js';
import { fixtureStore } from '../helpers/store.js';
import { injectTurn, midUrl } from '../helpers/app.js';

// a full collection on demand, as `node --expose-gc` gives one, in this already running process
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PATCH1 = '1599734733-6431-2-git-send-email-yi.l.liu@intel.com';
/** The response cache's budget: small, so that the warm-up fills it and it cannot grow after. */
const CACHE_BYTES = 256 * 1024;
/** Junk requests of each kind before the first measure (fills the cache, warms what is lazy) and after it. */
const WARM = 60;
const JUNK = 250;
/**
 * What makes each URL distinct is padded to this many characters, so that a structure keeping
 * anything of it per request (a Map keyed by URL, request key, Host or query word) grows far beyond
 * the heap's own drift as functions warm up (a few hundred KiB over a run).
 */
const PAD = 'x'.repeat(6000);
/** Heap growth allowed over JUNK requests of each kind: one kind's 250 padded strings kept would be 1.5 MB. */
const SLACK = 1024 * 1024;

const ORDERS = ['id', '-id', 'date', '-date', 'name', '-name'];
const LISTS = ['patches', 'covers', 'series', 'events'];

/** The i-th shape of an API list query: each filter absent, given once or twice, in one of six orders. */
function apiShape(i: number): string {
  const p: string[] = [];
  let x = i;
  const digit = (base: number) => {
    const d = x % base;
    x = Math.floor(x / base);
    return d;
  };
  const list = LISTS[digit(4)];
  p.push(`order=${ORDERS[digit(6)]}`);
  for (const [k, values] of [
    ['project', ['iommu', 'virtualization']],
    ['series', ['100', '101']],
    ['hash', ['0123abcd', '4567ef01']],
  ] as const)
    p.push(...values.slice(0, digit(3)).map((v) => `${k}=${v}`));
  for (const [k, v] of [
    ['q', 'vfio'],
    ['since', '2010-01-01'],
    ['before', '2030-01-01'],
    ['msgid', PATCH1],
  ])
    if (digit(2)) p.push(`${k}=${encodeURIComponent(v)}`);
  // beyond the shapes, values no one asked for before
  p.push(`per_page=${1 + (x % 100)}`, `q=${PAD}`);
  return `/api/1.2/${list}/?${p.join('&')}`;
}

type Junk = { url: string; headers?: Record<string, string> };

/** The kinds of junk, each the i-th of its kind: every i a URL (or header) nobody sent before. */
const KINDS: ((i: number) => Junk)[] = [
  (i) => ({ url: `/iommu/junk-${i}${PAD}@example.org/` }),
  (i) => ({ url: `/iommu/junk-${i}${PAD}@example.org/${['raw', 't.mbox.gz', 'T/', 't/'][i % 4]}` }),
  (i) => ({ url: `${midUrl('iommu', PATCH1)}?cb=${i}${PAD}&utm_source=x${i}` }),
  (i) => ({ url: `/no-such-inbox-${i}${PAD}/${i}/` }),
  // a page whose links print the Host: kept once per Host, within the cache's budget
  (i) => ({ url: '/iommu/description', headers: { host: `h${i}${PAD}.example` } }),
  (i) => ({
    url: midUrl('iommu', PATCH1),
    headers: { referer: `https://r${i}${PAD}/`, 'if-none-match': `"${i}${PAD}"`, 'accept-encoding': `gzip;q=0.${i}` },
  }),
  (i) => ({ url: `/iommu/?q=${encodeURIComponent(`s:vfio junk${i}${PAD}`)}` }),
  (i) => ({ url: apiShape(i) }),
];

let app: App;

beforeAll(async () => {
  app = await buildApp({ dataDir: fixtureStore(), cacheBytes: CACHE_BYTES });
});
afterAll(async () => {
  await app.fastify.close();
});

/** JUNK requests of every kind from `from` on, each kind in turn, every answer one a client may get. */
async function send(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    for (const kind of KINDS) {
      const { url, headers } = kind(i);
      const r = await injectTurn(app, { url, headers: { host: 'lore.test', ...headers } });
      expect([url, r.statusCode < 500]).toEqual([url, true]);
    }
  }
}

/** Bytes of live objects after a full collection, compiled code left out (it grows as functions warm up). */
function heapAfterGc(): number {
  gc();
  gc();
  return getHeapSpaceStatistics()
    .filter((s) => s.space_name !== 'code_space')
    .reduce((n, s) => n + s.space_used_size, 0);
}

describe('junk URLs', () => {
  it(`leave the heap within ${SLACK / 1024} KiB after ${JUNK} of each of ${KINDS.length} kinds`, async () => {
    await send(0, WARM);
    const before = heapAfterGc();
    await send(WARM, JUNK);
    const after = heapAfterGc();
    const s = app.cache.stats();
    expect(s.bytes).toBeLessThanOrEqual(CACHE_BYTES);
    expect(after - before).toBeLessThan(SLACK);
  });
});
