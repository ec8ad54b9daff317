#!/usr/bin/env node
// npm run bench:page-parts -- --data DIR [--inbox NAME] [--kind message|T|t|t.atom|t.mbox.gz] [--pages N]
//
// Where the time of a page nobody asked for before goes, part by part (issue 14's "each once"): the
// server of lorekeeper's web layer built in this process on the store in DIR (no socket: Fastify's
// inject), N pages of the kind asked each once (default 1,000 message pages, 150 of the others;
// messages spread evenly over the inbox's arrivals, each thread's first message for the thread
// kinds), after N others of the same kind (the code they run compiled). Prints the CPU and wall time
// per answer, and the wall time per answer inside each method of the store's readers (StoreReader,
// SeriesReader) and inside zlib's one-shot calls (the answer's gzip, the stored fragments'
// inflating), with how often each was called. Asks with Accept-Encoding: gzip, as crawlers do.

// @ts-check
import zlib from 'node:zlib';
import { syncBuiltinESMExports } from 'node:module';
import { positiveOption, midEscape, log, scriptOptions, storeInbox } from './lib.mjs';

const prog = 'bench:page-parts';
const opt = scriptOptions(prog, import.meta.url, { strings: ['data', 'inbox', 'kind', 'pages'] });
const KINDS = ['message', 'T', 't', 't.atom', 't.mbox.gz'];
const kind = opt.kind ?? 'message';
if (!opt.data || !KINDS.includes(kind)) {
  log(`${prog}: --data DIR is needed, and --kind is one of ${KINDS.join(', ')} (--help says how)`);
  process.exit(2);
}
const pages = Math.round(positiveOption(prog)(opt.pages, '--pages', kind === 'message' ? 1000 : 150));

/** Wall time (ns) and calls inside each part timed, by name. */
const parts = new Map();
/**
 * Times every call of `target[name]` under `label`.
 * @param {any} target
 * @param {string} name
 * @param {string} label
 */
function timed(target, name, label) {
  const inner = target[name];
  target[name] = function (/** @type {unknown[]} */ ...args) {
    const t = process.hrtime.bigint();
    try {
      return inner.apply(this, args);
    } finally {
      const p = parts.get(label) ?? { ns: 0n, calls: 0 };
      p.ns += process.hrtime.bigint() - t;
      p.calls++;
      parts.set(label, p);
    }
  };
}
// zlib's one-shot calls, as the modules importing them by name see them too (syncBuiltinESMExports
// updates the bindings of `import { gzipSync } from 'node:zlib'`, whenever that module loaded)
for (const name of ['gzipSync', 'inflateRawSync', 'deflateRawSync']) timed(zlib, name, `zlib.${name}`);
syncBuiltinESMExports();

const { buildApp } = await import('../dist/serve/app.js');
const { StoreReader } = await import('../dist/store/reader.js');
const { SeriesReader } = await import('../dist/store/series-reader.js');
const { StoreSamples } = await import('../dist/store/samples.js');
for (const [cls, prefix] of /** @type {[any, string][]} */ ([
  [StoreReader, 'reader'],
  [SeriesReader, 'series'],
])) {
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    if (name !== 'constructor' && typeof cls.prototype[name] === 'function')
      timed(cls.prototype, name, `${prefix}.${name}`);
  }
}

const samples = new StoreSamples(opt.data);
const { inbox, id: inboxId } = storeInbox(prog, samples, opt.data, opt.inbox);
const mids = kind === 'message' ? [...new Set(samples.messageMids(inboxId))] : samples.threadFirsts(inboxId, 2, 1000);
samples.close();
// every step-th, the warm-up set and the measured one taking turns: both spread over the whole archive
const step = Math.max(1, Math.floor(mids.length / (2 * pages)));
const picked = mids.filter((_m, i) => i % step === 0).slice(0, 2 * pages);
const urls = picked.map(
  (m) => `/${inbox}/${midEscape(m)}/${kind === 'message' ? '' : `${kind}${kind.length === 1 ? '/' : ''}`}`,
);
if (urls.length < 2) {
  log(
    `${prog}: ${inbox} has ${urls.length} ${urls.length === 1 ? 'page' : 'pages'} of that kind: one to warm up and one to measure are the least`,
  );
  process.exit(1);
}
// every other page warms up the code the others run
const warmUp = urls.filter((_u, i) => i % 2 === 0);
const measured = urls.filter((_u, i) => i % 2 === 1);
const app = await buildApp({ dataDir: opt.data });
const ask = (/** @type {string} */ url) =>
  app.fastify.inject({ url, headers: { host: 'lore.test', 'accept-encoding': 'gzip' } });
for (const url of warmUp) await ask(url);
parts.clear();
const cpu = process.cpuUsage();
const t0 = process.hrtime.bigint();
/** @type {Record<number, number>} */
const statuses = {};
let bytes = 0;
for (const url of measured) {
  const r = await ask(url);
  statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
  bytes += r.rawPayload.length;
}
const wallMs = Number(process.hrtime.bigint() - t0) / 1e6 / measured.length;
const { user, system } = process.cpuUsage(cpu);
await app.fastify.close();

console.log(
  `${kind} pages of ${inbox}, each once: ${measured.length} (statuses ${JSON.stringify(statuses)}), ` +
    `${(bytes / measured.length / 1024).toFixed(1)} KiB gzipped each`,
);
console.log(`CPU ${((user + system) / 1000 / measured.length).toFixed(3)} ms, wall ${wallMs.toFixed(3)} ms per answer`);
console.log('ms per answer   calls  part (wall time inside it; a part may hold another)');
for (const [label, p] of [...parts].sort((a, b) => Number(b[1].ns - a[1].ns))) {
  const ms = Number(p.ns) / 1e6 / measured.length;
  if (ms >= 0.001) console.log(`${ms.toFixed(3).padStart(13)} ${String(p.calls).padStart(7)}  ${label}`);
}
