#!/usr/bin/env node
// npm run compat:search -- MBOX [--pi-url URL] [--data DIR --inbox NAME] [--json FILE]
// Runs the same queries against public-inbox and lorekeeper serving the same mbox, downloading
// every match with POST ?x=m (and again with t=1 for whole threads, as b4 and lei do), and
// reports the Jaccard overlap of the Message-ID sets per query and on average.

// @ts-check
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { get, ingest, startServe, waitFor, startPiReference } from './lib.mjs';
import { StoreSamples } from '../dist/store/samples.js';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const mbox = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!mbox) {
  console.error('usage: npm run compat:search -- MBOX [--pi-url URL] [--data DIR --inbox NAME] [--json FILE]');
  process.exit(2);
}
const NAME = 'compat';
const LK_PORT = Number(opt('--port') ?? 18181);
const PI_PORT = Number(opt('--pi-port') ?? 18089);

/**
 * The queries: every documented prefix, the operators, phrases, wildcards and date forms.
 * @param {import('../dist/store/samples.js').SearchTerms} terms real values of the archive for the exact prefixes
 */
function queries({ patchid, pre, post, mid, listId }) {
  return [
    's:vhost',
    's:"virtio_ring"',
    'f:mst',
    'f:"jasowang@redhat.com"',
    't:kvm',
    'c:"linux-kernel@vger.kernel.org" s:vdpa',
    'a:stefanha',
    'tc:netdev s:vsock',
    'b:"memory barrier"',
    'bs:vring_split',
    'nq:"Reviewed-by: Stefano Garzarella"',
    'q:"use after free"',
    'n:config',
    'dfn:drivers/vhost/net.c',
    'dfa:virtqueue_kick',
    'dfb:vhost_iotlb_map',
    'dfhh:vhost_net_ioctl',
    'dfctx:"mutex_lock(&vq->mutex)"',
    `dfpre:${pre}`,
    `dfpost:${post}`,
    `dfblob:${pre}`,
    `patchid:${patchid}`,
    'm:mutt s:vsock*',
    `mid:${mid}`,
    `l:${(listId ?? '').split('.')[0]}`,
    'd:20210301..20210331 s:vdpa',
    'd:20220615',
    'dt:20230101000000..20230107000000',
    'rt:1609459200..1612137600 f:mst',
    'd:4.years.ago.. s:vdpa',
    '(s:vsock OR s:vhost) AND f:stefano',
    'virtio NOT s:vhost f:jason',
    '+balloon -s:virtio_balloon',
    'vdpa_sim* s:vdpa',
    // STEM_SOME: lowercase words by their stem, capitalised ones, phrases and wildcards as written
    's:Fixes',
    's:fixes',
    's:IRQs',
    's:irqs',
    's:Virtqueues',
    's:virtqueues',
    's:Cleanups',
    's:generic',
    'b:Deadlocks',
    'q:Reported',
    's:"Add support"',
    'b:"use-after-free"',
    'dfn:virtio_net*',
    'nq:kick*',
    's:vhost-vdpa*',
    's:vhost*',
  ];
}

/**
 * Message-IDs of every match (POST ?x=m), as a set (empty for 404), or `error` saying why not.
 * @returns {Promise<{ mids: Set<string>, error?: undefined } | { error: number | string }>}
 */
async function matches(base, q, threads) {
  const url = `${base}?x=m${threads ? '&t=1' : ''}&q=${encodeURIComponent(q).replace(/%20/g, '+')}`;
  const r = await get(url, 600_000, { method: 'POST', body: '' });
  if (r.status === 404) return { mids: new Set() };
  if (r.status !== 200) return { error: r.status || r.error || 'no answer' };
  const text = gunzipSync(r.body).toString('latin1');
  return { mids: new Set([...text.matchAll(/^Message-I[Dd]:[ \t]*<([^>]+)>/gim)].map((m) => m[1])) };
}

const jaccard = (a, b) => {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
};

// lorekeeper: ingest unless a data dir is given, then serve
let data = opt('--data');
/** @type {(() => unknown)[]} */
const cleanup = [];
if (!data) {
  const dir = mkdtempSync(join(tmpdir(), 'lk-search-compat-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  await ingest(dir, NAME, [resolve(mbox)]);
  data = dir;
}
const inbox = opt('--inbox') ?? NAME;
const logDir = mkdtempSync(join(tmpdir(), 'lk-search-compat-log-'));
cleanup.push(() => rmSync(logDir, { recursive: true, force: true }));
const lkBase = `http://127.0.0.1:${LK_PORT}/${inbox}/`;
const server = startServe(data, LK_PORT, { logFile: join(logDir, 'serve.log'), probeUrl: lkBase });
cleanup.push(() => server.stop());

let piBase = opt('--pi-url');
if (!piBase) {
  const work = mkdtempSync(join(tmpdir(), 'lk-search-compat-pi-'));
  cleanup.push(() => rmSync(work, { recursive: true, force: true }));
  const pi = await startPiReference(resolve(mbox), NAME, PI_PORT, work);
  cleanup.push(pi.stop);
  piBase = pi.url;
}

try {
  await server.ready();
  await waitFor(piBase, { seconds: 30, accept: (status) => status > 0 && status < 500 });
  const db = new StoreSamples(data);
  const list = queries(db.searchTerms());
  db.close();
  const rows = [];
  for (const q of list) {
    for (const threads of [false, true]) {
      const [pi, lk] = await Promise.all([matches(piBase, q, threads), matches(lkBase, q, threads)]);
      if (!('mids' in pi) || !('mids' in lk)) {
        // e.g. Xapian refuses a wildcard that expands to over 100 terms: no set to compare
        rows.push({
          query: q,
          threads,
          publicInbox: 'mids' in pi ? pi.mids.size : `HTTP ${pi.error}`,
          lorekeeper: 'mids' in lk ? lk.mids.size : `HTTP ${lk.error}`,
          jaccard: null,
        });
        continue;
      }
      const [a, b] = [pi.mids, lk.mids];
      rows.push({ query: q, threads, publicInbox: a.size, lorekeeper: b.size, jaccard: jaccard(a, b) });
      process.stderr.write('.');
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    'query'.padEnd(46),
    't=1'.padEnd(4),
    'public-inbox'.padStart(12),
    'lorekeeper'.padStart(11),
    'Jaccard'.padStart(8),
  );
  for (const r of rows) {
    console.log(
      r.query.slice(0, 46).padEnd(46),
      (r.threads ? 'yes' : '').padEnd(4),
      String(r.publicInbox).padStart(12),
      String(r.lorekeeper).padStart(11),
      (r.jaccard === null ? 'error' : r.jaccard.toFixed(3)).padStart(8),
    );
  }
  const compared = rows.filter((r) => r.jaccard !== null);
  const summary = {
    queries: list.length,
    errors: rows.length - compared.length,
    meanJaccard: mean(compared.map((r) => r.jaccard)),
    meanJaccardMatchesOnly: mean(compared.filter((r) => !r.threads).map((r) => r.jaccard)),
    meanJaccardThreads: mean(compared.filter((r) => r.threads).map((r) => r.jaccard)),
  };
  console.log(
    `\n${summary.queries} queries; mean Jaccard ${summary.meanJaccard.toFixed(3)} ` +
      `(matches ${summary.meanJaccardMatchesOnly.toFixed(3)}, whole threads ${summary.meanJaccardThreads.toFixed(3)})`,
  );
  const json = opt('--json');
  if (json) writeFileSync(json, JSON.stringify({ summary, rows }, null, 1));
  process.exitCode = summary.meanJaccard >= 0.95 ? 0 : 1;
} finally {
  for (const f of cleanup.reverse()) await f();
}
