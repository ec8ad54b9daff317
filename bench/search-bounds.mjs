#!/usr/bin/env node
// npm run bench:search-bounds -- --url http://127.0.0.1:PORT/NAME/ [--timeout SECONDS] [--json FILE]
// How long the most expensive searches one can type keep a server busy, on a running server
// serving the virtualization list (its words are in the queries): each query once as a page (by
// date and by relevance) and as POST ?x=m downloads (matches, whole threads), one at a time; then
// two such searches at once, over and over, while a stylesheet and a message page are fetched
// every 20 ms: the worst wait of those pages shows whether searches starve page serving. Prints
// every answer's status and time, the pages' latencies and the server's resident memory. The
// queries are sent 2.1 s apart: a server that gives searches half of any 2 s refuses a client that
// sends costly searches back to back, which is the point, but not what this measures. Start the
// server afresh first: pages it answered before come from its cache.

// @ts-check
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { fmtMs, get, listenerPids, log, printTable, processTree, procStatus, sleep } from './lib.mjs';

const { values: opt } = parseArgs({
  options: { url: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'string' } },
});
if (!opt.url) {
  console.error('usage: npm run bench:search-bounds -- --url http://127.0.0.1:PORT/NAME/ [--timeout S] [--json FILE]');
  process.exit(2);
}
const base = opt.url.endsWith('/') ? opt.url : `${opt.url}/`;
const timeoutMs = Number(opt.timeout ?? 120) * 1000;

/** Common words of the list: each one is in thousands of messages. */
const WORDS = (
  'the a to of and in is that for it be on this with as not are we but by if from at or an have can so will ' +
  'should no all which do was there when you i my me patch fix add use set get one two more some any has had ' +
  'been were would could also just only into then than them they our your its out up what how why new old'
).split(' ');
const or = (terms) => terms.join(' OR ');

/** The queries of issue 9, and the costliest a bounded server still accepts. */
const QUERIES = [
  ['150 wildcards a*', Array(150).fill('a*').join(' ')],
  ['1,000 times "the", OR', or(Array(1000).fill('the'))],
  ['64 common words, OR', or(WORDS.slice(0, 64))],
  ['63 common words OR, NOT one', `(${or(WORDS.slice(0, 63))}) NOT ${WORDS[63]}`],
  [
    '32 phrases of common words, OR',
    or(WORDS.slice(0, 64).flatMap((w, i) => (i % 2 ? [] : [`"${w} ${WORDS[i + 1]}"`]))),
  ],
  ['64 quoted-text words, OR', or(WORDS.slice(0, 64).map((w) => `q:${w}`))],
  ['64 date ranges, OR', or(Array.from({ length: 64 }, (_, i) => `d:${1990 + i}0101..${1990 + i}1231`))],
  // prefixes of the list's most frequent words, each under the 100-word expansion limit
  [
    '13 wildcards of frequent words, OR',
    or('lis the mai on wh pat thi red ret it ht virtu stru'.split(' ').map((p) => `${p}*`)),
  ],
];

/** A POST download: its headers come when the search is done, its body streams after. */
const post = (url) => get(url, timeoutMs, { method: 'POST', body: '' });

// spaces as "+", as browsers send them: 1,000 OR'd words still fit in a URL
const q = (query) => `q=${encodeURIComponent(query).replace(/%20/g, '+')}`;
/** @type {(query: string) => [string, () => Promise<import('./lib.mjs').Answer>][]} */
const requests = (query) => [
  ['page', () => get(`${base}?${q(query)}`, timeoutMs)],
  ['page, relevance', () => get(`${base}?${q(query)}&r`, timeoutMs)],
  ['POST x=m', () => post(`${base}?x=m&${q(query)}`)],
  ['POST x=m t=1', () => post(`${base}?x=m&t=1&${q(query)}`)],
];

const port = Number(new URL(base).port);
/** Resident memory of the server: the processes listening on its port and all their children (workers). */
const rssMiB = () =>
  [...new Set(listenerPids(port).flatMap(processTree))].reduce((n, p) => n + (procStatus(p, 'VmRSS') ?? 0), 0);

const rows = [['query', 'request', 'status', 'answer starts', 'time']];
const results = [];
let worst = 0;
for (const [name, query] of QUERIES) {
  for (const [kind, send] of requests(query)) {
    const r = await send();
    const status = r.status === 0 ? `none (${r.error})` : String(r.status);
    const starts = r.headersMs ?? r.ms;
    rows.push([name, kind, status, fmtMs(starts), fmtMs(r.ms)]);
    results.push({ query: name, request: kind, status: r.status, startsMs: starts, ms: r.ms });
    worst = Math.max(worst, starts);
    log(`${name}, ${kind}: ${status} in ${fmtMs(r.ms)}`);
    // each request on its own: searches may take only half of a worker's last 2 s (search-budget.ts)
    await sleep(2100);
  }
}
printTable(rows);
console.log(`\nlatest start of an answer: ${fmtMs(worst)} (downloads stream on after it)`);

/**
 * Two clients send one request again and again for 20 s while pages are fetched every 20 ms:
 * how long the pages wait, and what the clients got.
 */
async function starving(label, send) {
  const css = new URL('/lorekeeper.css', base).href;
  const stopAt = Date.now() + 20_000;
  const answers = new Map();
  const hammer = async () => {
    while (Date.now() < stopAt) {
      const r = await send();
      answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
    }
  };
  const waits = [];
  const probe = async () => {
    await sleep(300);
    while (Date.now() < stopAt) {
      for (const u of [css, base]) waits.push((await get(u, timeoutMs)).ms);
      await sleep(20);
    }
  };
  let rss = rssMiB();
  const sampler = setInterval(() => (rss = Math.max(rss, rssMiB())), 250);
  await Promise.all([hammer(), hammer(), probe()]);
  clearInterval(sampler);
  waits.sort((a, b) => a - b);
  const pct = (p) => waits[Math.min(waits.length - 1, Math.floor((waits.length * p) / 100))];
  const out = {
    answers: Object.fromEntries(answers),
    pages: waits.length,
    p50: pct(50),
    p99: pct(99),
    max: waits.at(-1),
  };
  console.log(
    `\nwhile two clients sent ${label} for 20 s (answers by status: ${JSON.stringify(out.answers)}), ` +
      `${waits.length} page fetches waited p50 ${fmtMs(out.p50)}, p99 ${fmtMs(out.p99)}, max ${fmtMs(out.max)}; ` +
      `server RSS at most ${rss.toFixed(0)} MiB`,
  );
  return { ...out, serverRssMiB: rss };
}

const costly = QUERIES[2];
const starve = {
  search: await starving(`"${costly[0]}" by relevance`, () =>
    get(`${base}?${q(costly[1])}&r&o=${Math.floor(Math.random() * 1000)}`, timeoutMs),
  ),
  download: await starving(`"${costly[0]}" as POST x=m t=1`, () => post(`${base}?x=m&t=1&${q(costly[1])}`)),
};
if (opt.json) writeFileSync(opt.json, JSON.stringify({ base, results, worst, starve }, null, 1));
