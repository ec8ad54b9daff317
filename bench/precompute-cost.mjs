#!/usr/bin/env node
// npm run bench:precompute-cost -- --data DIR [--inbox NAME] [--pi-dir DIR] [--every N]
//
// What answers precomputed for crawlers would cost in store (issue 14's "each once" against its
// limit on the store): an answer never compressed on request is assembled from parts kept
// compressed, ready to be spliced into its gzip stream (raw deflate ending on a sync flush), or
// kept whole. Prints, for the inbox's messages: the rendered bodies as stored (deflate with the
// trained dictionary, html-codec.ts) against the same bodies as spliceable fragments (no preset
// dictionary: a spliced fragment cannot refer to one), and the message pages gzipped as a crawler
// gets them (every N-th page rendered in process, Fastify's inject, and the sum extrapolated to
// all). With --pi-dir (public-inbox's inbox, e.g. pi-reference's PI_WORK/NAME), each as a share of
// its size with the data directory (store and epochs).

// @ts-check
import { constants, deflateRawSync } from 'node:zlib';
import { positiveOption, midEscape, log, duBytes, scriptOptions, storeInbox } from './lib.mjs';

const prog = 'bench:precompute-cost';
const opt = scriptOptions(prog, import.meta.url, { strings: ['data', 'inbox', 'pi-dir', 'every'] });
if (!opt.data) {
  log(`${prog}: --data DIR is needed (--help says how)`);
  process.exit(2);
}
const every = Math.round(positiveOption(prog)(opt.every, '--every', 10));

const { StoreSamples } = await import('../dist/store/samples.js');
const { decompressHtml } = await import('../dist/store/html-codec.js');
const { buildApp } = await import('../dist/serve/app.js');

const samples = new StoreSamples(opt.data);
const { inbox, id: inboxId } = storeInbox(prog, samples, opt.data, opt.inbox);

let bodies = 0;
let stored = 0;
let spliceable = 0;
for (const html of samples.renderedBodies(inboxId)) {
  bodies++;
  stored += html.length;
  const text = Buffer.from(decompressHtml(html), 'utf8');
  spliceable += deflateRawSync(text, { level: 6, finishFlush: constants.Z_SYNC_FLUSH }).length;
}
const mids = [...new Set(samples.messageMids(inboxId))];
samples.close();

const app = await buildApp({ dataDir: opt.data });
let rendered = 0;
let gzipped = 0;
for (let i = 0; i < mids.length; i += every) {
  const r = await app.fastify.inject({
    url: `/${inbox}/${midEscape(mids[i])}/`,
    headers: { host: 'lore.test', 'accept-encoding': 'gzip' },
  });
  if (r.statusCode !== 200) continue;
  rendered++;
  gzipped += r.rawPayload.length;
}
await app.fastify.close();
const pages = rendered ? (gzipped * mids.length) / rendered : 0;

const MiB = (/** @type {number} */ n) => `${(n / 1048576).toFixed(1)} MiB`;
const dataBytes = duBytes(opt.data);
const piBytes = opt['pi-dir'] ? duBytes(opt['pi-dir']) : undefined;
const share = (/** @type {number} */ extra) =>
  piBytes
    ? `, data directory with it ${MiB(dataBytes + extra)} = ${((100 * (dataBytes + extra)) / piBytes).toFixed(1)}%`
    : '';
console.log(`${inbox}: ${bodies} rendered bodies, ${mids.length} message pages; data directory ${MiB(dataBytes)}`);
if (piBytes)
  console.log(
    `public-inbox's inbox ${MiB(piBytes)}: the data directory is ${((100 * dataBytes) / piBytes).toFixed(1)}% of it`,
  );
console.log(`bodies as stored (trained dictionary): ${MiB(stored)}`);
console.log(
  `bodies as spliceable fragments (sync flush, no dictionary): ${MiB(spliceable)}, +${MiB(spliceable - stored)}${share(spliceable - stored)}`,
);
console.log(
  `message pages gzipped (${rendered} rendered, every ${every === 1 ? 'one' : `${every}th`}): ${MiB(pages)}, ${(gzipped / Math.max(1, rendered) / 1024).toFixed(1)} KB a page${share(pages)}`,
);
