#!/usr/bin/env node
// npm run compat -- MBOX[.gz] [--sample N] [--seed S] [--pi-port P] [--port P] [--pi-url URL] [--lk-url URL]
//                   [--json FILE] [--concurrency N] [--keep] [--mid MID]...
// Serves MBOX with the reference implementation (public-inbox 1.9, via ../shared/tools/pi-reference)
// and with lorekeeper, samples Message-IDs from the mbox and compares, message by message:
//   raw     /MID/raw bytes (SHA-256)
//   mbox    the set of Message-IDs in /MID/t.mbox.gz
//   count   the "N+ messages" of the message page's thread overview (single message = 1)
//   reply   --in-reply-to, --to and the set of --cc of the page's `git send-email` instructions
// A Message-ID that public-inbox's reference import kept once but lorekeeper kept twice (it keeps
// every copy of a reused Message-ID on purpose) is reported as an intended difference, not a failure.
// Exit status: 0 when every other comparison matched, 1 otherwise, 2 on usage errors.

// @ts-check
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createGunzip, gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { get, ingest, startServe, waitFor, startPiReference } from './lib.mjs';

// ---------------------------------------------------------------------------------------------
// arguments

const USAGE =
  'usage: npm run compat -- MBOX[.gz] [--sample N] [--seed S] [--pi-port P] [--port P]\n' +
  '                      [--pi-url http://127.0.0.1:8089/NAME/] [--lk-url http://127.0.0.1:8080/NAME/]\n' +
  '                      [--name NAME] [--address ADDR] [--json FILE] [--concurrency N] [--keep] [--mid MID]...';
let opts;
try {
  opts = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      sample: { type: 'string' },
      seed: { type: 'string' },
      'pi-port': { type: 'string' },
      port: { type: 'string' },
      'pi-url': { type: 'string' },
      'lk-url': { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
      json: { type: 'string' },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      mid: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  console.error(`compat: ${err.message}\n${USAGE}`);
  process.exit(2);
}
const { values: o, positionals } = opts;
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}
function int(v, flag, fallback, min, max) {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`compat: ${flag} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}
const mboxPath = resolve(positionals[0]);
const sampleSize = int(o.sample, '--sample', 250, 1, 1e7);
const seed = int(o.seed, '--seed', 20240229, 0, 2 ** 32 - 1);
const piPort = int(o['pi-port'], '--pi-port', 18089, 1, 65535);
const lkPort = int(o.port, '--port', 18080, 1, 65535);
const concurrency = int(o.concurrency, '--concurrency', 4, 1, 64);
const timeoutMs = int(o.timeout, '--timeout', 120, 1, 3600) * 1000;
const slash = (u) => (u.endsWith('/') ? u : u + '/');
/** @type {(u: string) => string} */
const inboxOf = (u) => new URL(u).pathname.split('/').filter(Boolean).pop() ?? '';
const name = o.name ?? (o['pi-url'] ? inboxOf(o['pi-url']) : o['lk-url'] ? inboxOf(o['lk-url']) : 'compat');
if (!/^[\w-][\w.-]*$/.test(name)) {
  console.error(`compat: bad inbox name ${JSON.stringify(name)}`);
  process.exit(2);
}
// pi-reference runs public-inbox-init with NAME@example.org; lorekeeper needs the same list address
// (the reply instructions fall back to it when a message names nobody)
const address = o.address ?? `${name}@example.org`;
if (!existsSync(mboxPath)) {
  console.error(`compat: ${mboxPath}: no such file`);
  process.exit(2);
}

const log = (msg) => process.stderr.write(`compat: ${msg}\n`);
/** A server is up once it answers anything (the inbox page of a server reused as it is). */
const answered = (status) => status > 0;

// ---------------------------------------------------------------------------------------------
// cleanup of whatever this run started

const cleanups = [];
let cleanedUp = false;
async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      log(`cleanup: ${err.message}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    await cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// reading the mbox exactly as mbox2fastimport.py splits it

/** Yield every line (Buffer, "\n" included) of a file, gunzipping *.gz. */
async function* lines(path) {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  let rest = null;
  for await (const chunk of stream) {
    let buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      yield buf.subarray(start, nl + 1);
      start = nl + 1;
    }
    rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
  }
  if (rest) yield rest;
}

const FROM_ = Buffer.from('From ');
const MAX_MID = 244;

/** The first `<id>` of the first Message-ID header of a header block (unfolded), or null. */
function firstMessageId(headerText) {
  const m = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headerText);
  if (!m) return null;
  const id = /<([^>]+)>/.exec(m[1]);
  if (!id) return null;
  const mid = id[1].replace(/[\n\t\r]/g, '');
  return mid.length > MAX_MID ? mid.slice(0, MAX_MID) : mid;
}

/**
 * One entry per message of the mbox (split like mbox2fastimport.py: a "From " line starts a
 * message at the start of the file or after a line that is exactly "\n"): its first Message-ID or null.
 */
async function readMbox(path) {
  const mids = [];
  let cur = null; // null before the first From_ line
  let header = [];
  let inHeader = false;
  let lastBlank = false;
  const finish = () => {
    if (cur) mids.push(firstMessageId(Buffer.concat(header).toString('utf8')));
  };
  for await (const line of lines(path)) {
    if (line.length >= 5 && line.compare(FROM_, 0, 5, 0, 5) === 0 && (cur === null || cur.n === 0 || lastBlank)) {
      finish();
      cur = { n: 0 };
      header = [];
      inHeader = true;
      lastBlank = false;
      continue;
    }
    if (cur === null) continue;
    cur.n++;
    lastBlank = line.length === 1 && line[0] === 10;
    if (inHeader) {
      if (line[0] === 10 || (line[0] === 13 && line[1] === 10)) inHeader = false;
      else header.push(line);
    }
  }
  finish();
  return mids;
}

/** mulberry32: a small seeded PRNG, so a sample is the same from run to run. */
function prng(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Half evenly spaced over the mbox, half seeded-random; distinct Message-IDs, in mbox order. */
function sample(mids, n) {
  const withId = [];
  for (let i = 0; i < mids.length; i++) if (mids[i] !== null) withId.push(i);
  const seen = new Set();
  const picked = [];
  const take = (idx) => {
    const mid = mids[idx];
    if (seen.has(mid)) return false;
    seen.add(mid);
    picked.push({ index: idx, mid, how: picked.length < even ? 'even' : 'random' });
    return true;
  };
  const even = Math.min(Math.ceil(n / 2), withId.length);
  for (let k = 0; k < even; k++) {
    // from the first to the last message, stepping forward when a Message-ID was already taken
    let j = even === 1 ? 0 : Math.round((k * (withId.length - 1)) / (even - 1));
    while (j < withId.length && !take(withId[j])) j++;
  }
  const rand = prng(seed);
  let tries = 0;
  while (picked.length < n && tries < withId.length * 20) {
    tries++;
    take(withId[Math.floor(rand() * withId.length)]);
  }
  picked.sort((a, b) => a.index - b.index);
  return { picked, total: mids.length, withoutId: mids.length - withId.length };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** public-inbox's mid_escape: percent-encode all but RFC 3986 pchar minus '%' and '/'. */
function midEscape(mid) {
  let out = '';
  for (const ch of mid) {
    if (ch.length === 1 && /[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** At most `max` calls of fn in flight. */
function limiter(max) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= max || !queue.length) return;
    active++;
    const { fn, ok, fail } = queue.shift();
    fn()
      .then(ok, fail)
      .finally(() => {
        active--;
        next();
      });
  };
  return (fn) =>
    new Promise((ok, fail) => {
      queue.push({ fn, ok, fail });
      next();
    });
}
const limit = limiter(concurrency);
let retries = 0;
/** GET url without Accept-Encoding (bodies as the server stores them), at most `concurrency` at once. */
const fetchLimited = (url) =>
  limit(async () => {
    const r = await get(url, timeoutMs, { gzip: false });
    if (r.retried) {
      retries++;
      log(`asked again for ${url} (a reused connection was reset)`);
    }
    return r;
  });

// ---------------------------------------------------------------------------------------------
// starting the two servers

async function startReference() {
  if (o['pi-url']) {
    const url = slash(o['pi-url']);
    await waitFor(url, { seconds: 10, accept: answered });
    log(`reusing the public-inbox server at ${url}`);
    return url;
  }
  const work = mkdtempSync(join(tmpdir(), 'lk-compat-pi-'));
  if (!o.keep) cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  else cleanups.push(() => log(`kept ${work}`));
  log(`building the public-inbox reference inbox in ${work} (several minutes for a big mbox)`);
  const started = Date.now();
  const { url, stop } = await startPiReference(mboxPath, name, piPort, work);
  // (cleanups run last-registered first: stop the httpd before its directory goes)
  cleanups.push(stop);
  log(`public-inbox serving ${url} (built in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return url;
}

async function startLorekeeper() {
  if (o['lk-url']) {
    const url = slash(o['lk-url']);
    await waitFor(url, { seconds: 10, accept: answered });
    log(`reusing the lorekeeper server at ${url}`);
    return url;
  }
  const data = mkdtempSync(join(tmpdir(), 'lk-compat-data-'));
  if (!o.keep) cleanups.push(() => rmSync(data, { recursive: true, force: true }));
  else cleanups.push(() => log(`kept ${data}`));
  log(`ingesting ${basename(mboxPath)} into ${data}`);
  const s = await ingest(data, name, [mboxPath], { args: ['--address', address] });
  log(
    `lorekeeper ingest: ${s.read} read, ${s.added} added, ${s.duplicates} duplicates, ${s.quarantined} quarantined in ${s.seconds} s`,
  );
  const url = `http://127.0.0.1:${lkPort}/${name}/`;
  const server = startServe(data, lkPort, { logFile: join(data, 'serve.log'), probeUrl: url });
  cleanups.push(() => server.stop());
  await server.ready();
  log(`lorekeeper serving ${url}`);
  return url;
}

// ---------------------------------------------------------------------------------------------
// parsing what the servers return

const NAMED = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>', nbsp: '\u00a0' };
function decodeEntities(s) {
  return s.replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([A-Za-z]+));/g, (m, dec, hex, named) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return NAMED[named.toLowerCase()] ?? m;
  });
}
const stripTags = (s) => s.replace(/<[^>]*>/g, '');

/** Messages of an mboxrd stream (From_ line dropped), split on every line starting "From ". */
function splitMboxrd(buf) {
  const text = buf.toString('latin1');
  const msgs = [];
  let cur = null;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length - 1;
    const line = text.slice(pos, nl + 1);
    if (line.startsWith('From ')) {
      if (cur !== null) msgs.push(cur);
      cur = [];
    } else if (cur !== null) cur.push(line);
    pos = nl + 1;
  }
  if (cur !== null) msgs.push(cur);
  return msgs.map((ls) => ls.join(''));
}

function countFromLines(buf) {
  const t = buf.toString('latin1');
  return (t.match(/^From mboxrd@z /gm) || []).length;
}

/** Message-IDs (first of each message; a header without <> counts whole) of an mboxrd stream. */
function mboxMids(buf) {
  return splitMboxrd(buf).map((m) => {
    const hdr = Buffer.from(m.split(/\r?\n\r?\n/, 1)[0], 'latin1').toString('utf8');
    const h = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(hdr);
    if (!h) return '(no Message-ID)';
    const id = /<([^>]+)>/.exec(h[1]);
    return (id ? id[1] : h[1].trim()).replace(/[\n\t\r]/g, '');
  });
}

/** The "N+ messages" of a message page's thread overview: a number, 1 for a lone message, or null. */
function threadCount(html) {
  const at = html.search(/Thread overview:/);
  if (at < 0) return { count: null, why: 'no "Thread overview" on the page' };
  const after = html.slice(at, at + 4000);
  const m = /Thread overview:\s*<\/b>\s*(\d+)\+?\s*messages/.exec(after);
  if (m) return { count: Number(m[1]) };
  if (/^Thread overview:\s*<\/b>\s*(?:<a\s+id=r>\[no followups\]<\/a>\s*)?expand/.test(after)) return { count: 1 };
  if (/\[no followups\]/.test(after)) return { count: 1 };
  return { count: null, why: `unrecognised overview: ${JSON.stringify(after.slice(0, 80))}` };
}

/** Undo POSIX shell quoting ('...', "...", backslashes) of one word. */
function shellUnquote(s) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return out + s.slice(i + 1); // unbalanced: take the rest literally
      out += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '$`"\\\n'.includes(s[j + 1])) j++;
        out += s[j];
      }
      i = j;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[++i];
    } else out += c;
  }
  return out;
}

/**
 * --in-reply-to, --to and --cc of the `git send-email` lines in the page's <pre id=R> section.
 * `literal` names the options printed as they are, without shell quoting: public-inbox only runs
 * --in-reply-to through squote_maybe and prints --to/--cc bare (so `"x"@host` stays as it is);
 * lorekeeper quotes every argument, so all its values are unquoted like a shell would.
 */
function replyArgs(html, literal = new Set()) {
  const m = /<pre\s+id=["']?R["']?\s*>([\s\S]*?)<\/pre>/i.exec(html);
  if (!m) return { why: 'no <pre id=R> reply section' };
  const text = decodeEntities(stripTags(m[1]));
  const at = text.indexOf('git send-email');
  if (at < 0) return { why: 'no git send-email block' };
  /** @type {{ inReplyTo: string[], to: string[], cc: string[], other: string[] }} */
  const r = { inReplyTo: [], to: [], cc: [], other: [] };
  for (const line of text.slice(at).split('\n').slice(1)) {
    const a = /^\s+--([\w-]+)=(.*?)(?:\s+\\)?\s*$/.exec(line);
    if (!a) {
      if (/^\s+\S/.test(line) && !/--/.test(line)) break; // /path/to/YOUR_REPLY
      continue;
    }
    const v = literal.has(a[1]) ? a[2] : shellUnquote(a[2]);
    if (a[1] === 'in-reply-to') r.inReplyTo.push(v);
    else if (a[1] === 'to') r.to.push(v);
    else if (a[1] === 'cc') r.cc.push(v);
    else if (a[1] !== 'subject') r.other.push(a[1]);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// comparing

const CHECKS = [
  ['raw', '/raw bytes (SHA-256)'],
  ['mbox', 't.mbox.gz Message-ID set'],
  ['count', 'thread overview N+ messages'],
  ['reply', 'git send-email --in-reply-to/--to/--cc'],
];
const sha = (b) => createHash('sha256').update(b).digest('hex');
const short = (s, n = 60) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const list = (a, n = 3) =>
  a
    .slice(0, n)
    .map((x) => `<${short(x, 50)}>`)
    .join(' ') + (a.length > n ? ` +${a.length - n} more` : '');

function statusWhy(pi, lk) {
  const s = (r) => (r.status ? `${r.status}` : `error (${r.error})`);
  return `HTTP public-inbox ${s(pi)} vs lorekeeper ${s(lk)}`;
}

async function compareOne(piUrl, lkUrl, mid) {
  const path = midEscape(mid);
  const [piRaw, lkRaw, piMbox, lkMbox, piPage, lkPage] = await Promise.all([
    fetchLimited(`${piUrl}${path}/raw`),
    fetchLimited(`${lkUrl}${path}/raw`),
    fetchLimited(`${piUrl}${path}/t.mbox.gz`),
    fetchLimited(`${lkUrl}${path}/t.mbox.gz`),
    fetchLimited(`${piUrl}${path}/`),
    fetchLimited(`${lkUrl}${path}/`),
  ]);
  const out = { mid };

  // a. raw
  const piCopies = piRaw.status === 200 ? countFromLines(piRaw.body) : 0;
  const lkCopies = lkRaw.status === 200 ? countFromLines(lkRaw.body) : 0;
  const duplicateKept = piCopies === 1 && lkCopies > 1;
  out.copies = { pi: piCopies, lk: lkCopies };
  if (piRaw.status !== lkRaw.status || piRaw.error || lkRaw.error) {
    out.raw = { ok: false, why: statusWhy(piRaw, lkRaw) };
  } else if (sha(piRaw.body) === sha(lkRaw.body)) {
    out.raw = { ok: true };
  } else if (duplicateKept) {
    out.raw = { ok: false, intended: true, why: `lorekeeper /raw holds ${lkCopies} messages, public-inbox 1` };
  } else {
    out.raw = { ok: false, why: rawDiff(piRaw.body, lkRaw.body) };
  }

  // b. t.mbox.gz
  let piM = null;
  let lkM = null;
  /** @type {(r: import('./lib.mjs').Answer) => { mids: string[], error?: undefined } | { error: string }} */
  const unzip = (r) => {
    try {
      return { mids: mboxMids(gunzipSync(r.body)) };
    } catch (err) {
      return { error: `not gzip (${err.message}; ${r.body.length} bytes, ${r.headers['content-type']})` };
    }
  };
  if (piMbox.status !== lkMbox.status || piMbox.error || lkMbox.error) {
    out.mbox = { ok: false, why: statusWhy(piMbox, lkMbox) };
  } else if (piMbox.status !== 200) {
    out.mbox = { ok: true, note: `both ${piMbox.status}` };
  } else {
    piM = unzip(piMbox);
    lkM = unzip(lkMbox);
    if (!('mids' in piM) || !('mids' in lkM)) {
      out.mbox = { ok: false, why: `public-inbox: ${piM.error ?? 'ok'}; lorekeeper: ${lkM.error ?? 'ok'}` };
    } else {
      const a = new Set(piM.mids);
      const b = new Set(lkM.mids);
      const missing = [...a].filter((x) => !b.has(x));
      const extra = [...b].filter((x) => !a.has(x));
      out.mbox =
        missing.length || extra.length
          ? {
              ok: false,
              why:
                `public-inbox ${a.size} ids (${piM.mids.length} msgs), lorekeeper ${b.size} (${lkM.mids.length} msgs)` +
                (missing.length ? `; missing in lorekeeper: ${list(missing)}` : '') +
                (extra.length ? `; extra in lorekeeper: ${list(extra)}` : ''),
              missing,
              extra,
            }
          : { ok: true, messages: { pi: piM.mids.length, lk: lkM.mids.length }, ids: a.size };
    }
  }

  // c. thread overview count
  const piHtml = piPage.status === 200 ? piPage.body.toString('utf8') : '';
  const lkHtml = lkPage.status === 200 ? lkPage.body.toString('utf8') : '';
  if (piPage.status !== lkPage.status || piPage.error || lkPage.error) {
    out.count = { ok: false, why: statusWhy(piPage, lkPage) };
    out.reply = { ok: false, why: statusWhy(piPage, lkPage) };
  } else if (piPage.status !== 200) {
    out.count = { ok: true, note: `both ${piPage.status}` };
    out.reply = { ok: true, note: `both ${piPage.status}` };
  } else {
    const pc = threadCount(piHtml);
    const lc = threadCount(lkHtml);
    if (pc.count === null || lc.count === null) {
      out.count = { ok: false, why: `public-inbox: ${pc.why ?? pc.count}; lorekeeper: ${lc.why ?? lc.count}` };
    } else if (pc.count === lc.count) {
      out.count = { ok: true, count: pc.count };
    } else {
      const c = { ok: false, pi: pc.count, lk: lc.count, why: `public-inbox ${pc.count}, lorekeeper ${lc.count}` };
      // lorekeeper counts every kept copy of a reused Message-ID in the thread; public-inbox has one
      if (piM && lkM && 'mids' in piM && 'mids' in lkM && out.mbox.ok) {
        const extraCopies = lkM.mids.length - new Set(lkM.mids).size - (piM.mids.length - new Set(piM.mids).size);
        if (extraCopies > 0 && lc.count - pc.count === extraCopies) {
          c.intended = true;
          c.why += ` (the thread's t.mbox.gz has ${extraCopies} more cop${extraCopies > 1 ? 'ies' : 'y'} of a reused Message-ID in lorekeeper)`;
        }
      }
      if (duplicateKept && lc.count - pc.count === lkCopies - piCopies) {
        c.intended = true;
      }
      out.count = c;
    }

    // d. reply instructions
    const pr = replyArgs(piHtml, new Set(['to', 'cc']));
    const lr = replyArgs(lkHtml);
    if ('why' in pr || 'why' in lr) {
      const why = (/** @type {object} */ a) => ('why' in a ? a.why : 'ok');
      out.reply = { ok: false, why: `public-inbox: ${why(pr)}; lorekeeper: ${why(lr)}` };
    } else {
      const diffs = [];
      const j = (a) => a.join(' ');
      if (j(pr.inReplyTo) !== j(lr.inReplyTo))
        diffs.push(`--in-reply-to ${JSON.stringify(j(pr.inReplyTo))} vs ${JSON.stringify(j(lr.inReplyTo))}`);
      if (j(pr.to) !== j(lr.to)) diffs.push(`--to ${JSON.stringify(j(pr.to))} vs ${JSON.stringify(j(lr.to))}`);
      const pcc = new Set(pr.cc);
      const lcc = new Set(lr.cc);
      const ccMissing = [...pcc].filter((x) => !lcc.has(x));
      const ccExtra = [...lcc].filter((x) => !pcc.has(x));
      if (ccMissing.length)
        diffs.push(
          `--cc missing in lorekeeper: ${ccMissing
            .slice(0, 3)
            .map((x) => JSON.stringify(x))
            .join(' ')}${ccMissing.length > 3 ? ` +${ccMissing.length - 3}` : ''}`,
        );
      if (ccExtra.length)
        diffs.push(
          `--cc extra in lorekeeper: ${ccExtra
            .slice(0, 3)
            .map((x) => JSON.stringify(x))
            .join(' ')}${ccExtra.length > 3 ? ` +${ccExtra.length - 3}` : ''}`,
        );
      if (pr.other.length) diffs.push(`public-inbox also has ${pr.other.map((x) => '--' + x).join(' ')}`);
      if (lr.other.length) diffs.push(`lorekeeper also has ${lr.other.map((x) => '--' + x).join(' ')}`);
      out.reply = diffs.length ? { ok: false, why: diffs.join('; '), pi: pr, lk: lr } : { ok: true };
      if (diffs.length === 1 && ccExtra.length && !ccMissing.length && controlInAddresses(piRaw.body)) {
        // public-inbox's address parser (Email::Address::XS) stops at a control character and
        // drops every recipient after it; lorekeeper keeps them
        out.reply.intended = true;
        out.reply.why += ' (a control character in To/Cc: public-inbox drops the recipients after it)';
      }
      if (diffs.length && duplicateKept) {
        // the page of a kept duplicate is built from its first copy in both, so this is no excuse
        out.reply.why += ' (Message-ID has several copies in lorekeeper)';
      }
    }
  }
  if (duplicateKept) out.duplicateKept = true;
  return out;
}

/** Whether the To or Cc header of a raw message holds a control character other than folding. */
function controlInAddresses(raw) {
  const head = raw
    .toString('latin1')
    .split(/\r?\n\r?\n/, 1)[0]
    .replace(/\r?\n[ \t]/g, ' ');
  return /^(?:to|cc):[^\n]*[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/im.test(head);
}

/** A one-line description of where two /raw bodies first differ. */
function rawDiff(a, b) {
  const pc = countFromLines(a);
  const lc = countFromLines(b);
  if (pc !== lc) return `public-inbox /raw has ${pc} messages, lorekeeper ${lc} (${a.length} vs ${b.length} bytes)`;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const lineNo = a.subarray(0, i).toString('latin1').split('\n').length;
  const ctx = (buf) => JSON.stringify(buf.subarray(Math.max(0, i - 15), i + 25).toString('latin1'));
  return `${a.length} vs ${b.length} bytes, first difference at byte ${i} (line ${lineNo}): public-inbox ${ctx(a)} lorekeeper ${ctx(b)}`;
}

/** What the JSON report keeps of one check of one Message-ID: everything about a difference. */
function detail(c) {
  const d = { ok: c.ok };
  if (c.intended) d.intended = true;
  if (c.why) d.why = c.why;
  if (c.ok) return d;
  if (c.missing) d.missingInLorekeeper = c.missing;
  if (c.extra) d.extraInLorekeeper = c.extra;
  if (c.pi !== undefined) {
    const args = (x) => (typeof x === 'object' ? { inReplyTo: x.inReplyTo, to: x.to, cc: x.cc } : x);
    d.publicInbox = args(c.pi);
    d.lorekeeper = args(c.lk);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  const t0 = Date.now();
  log(`reading ${mboxPath}`);
  const mids = await readMbox(mboxPath);
  const { picked, total, withoutId } = sample(mids, sampleSize);
  // --mid MID (repeatable): compare these Message-IDs as well
  for (const mid of o.mid ?? []) {
    if (!picked.some((p) => p.mid === mid)) picked.push({ index: mids.indexOf(mid), mid, how: 'given' });
  }
  log(`${total} messages (${withoutId} without a Message-ID); sampled ${picked.length}`);

  // build the reference while lorekeeper ingests: both take a while
  const [piUrl, lkUrl] = await Promise.all([startReference(), startLorekeeper()]);

  log(`comparing ${picked.length} Message-IDs, ${concurrency} requests in flight`);
  const results = [];
  let done = 0;
  const tCompare = Date.now();
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < picked.length) {
      const p = picked[next++];
      const r = await compareOne(piUrl, lkUrl, p.mid);
      r.index = p.index;
      r.how = p.how;
      results.push(r);
      if (++done % 25 === 0 || done === picked.length) log(`${done}/${picked.length} compared`);
    }
  });
  await Promise.all(workers);
  results.sort((a, b) => a.index - b.index);

  // summary
  const summary = {};
  for (const [key, label] of CHECKS) {
    /** @type {{ mid: string, why: string }[]} */
    const mismatches = [];
    /** @type {{ mid: string, why: string }[]} */
    const intendedCases = [];
    const s = { label, compared: 0, matched: 0, intended: 0, mismatched: 0, mismatches, intendedCases };
    for (const r of results) {
      const c = r[key];
      if (c.intended) {
        s.intended++;
        s.intendedCases.push({ mid: r.mid, why: c.why });
        continue;
      }
      s.compared++;
      if (c.ok) s.matched++;
      else {
        s.mismatched++;
        s.mismatches.push({ mid: r.mid, why: c.why });
      }
    }
    summary[key] = s;
  }
  const duplicates = results.filter((r) => r.duplicateKept).map((r) => ({ mid: r.mid, copies: r.copies }));
  const failed = Object.values(summary).some((s) => s.mismatched > 0);

  // never round a shortfall up to 100%
  const pct = (a, b) => (!b ? '-' : a === b ? '100%' : Math.min((100 * a) / b, 99.99).toFixed(2) + '%');
  const lines = [];
  lines.push(
    `lorekeeper vs public-inbox 1.9 on ${basename(mboxPath)}: ${results.length} Message-IDs sampled from ${total} messages (seed ${seed})`,
  );
  lines.push(`  public-inbox ${piUrl}`);
  lines.push(`  lorekeeper   ${lkUrl}`);
  lines.push('');
  lines.push(
    `${'check'.padEnd(48)} ${'matched'.padStart(8)} ${'compared'.padStart(9)} ${'rate'.padStart(7)} ${'intended'.padStart(9)}`,
  );
  for (const [key] of CHECKS) {
    const s = summary[key];
    lines.push(
      `${`${key}: ${s.label}`.padEnd(48)} ${String(s.matched).padStart(8)} ${String(s.compared).padStart(9)} ${pct(s.matched, s.compared).padStart(7)} ${String(s.intended).padStart(9)}`,
    );
  }
  const all = Object.values(summary).reduce(
    (acc, s) => [acc[0] + s.matched, acc[1] + s.compared, acc[2] + s.intended],
    [0, 0, 0],
  );
  lines.push(
    `${'all checks'.padEnd(48)} ${String(all[0]).padStart(8)} ${String(all[1]).padStart(9)} ${pct(all[0], all[1]).padStart(7)} ${String(all[2]).padStart(9)}`,
  );
  for (const [key] of CHECKS) {
    const s = summary[key];
    if (!s.mismatches.length) continue;
    lines.push('');
    lines.push(
      `${key}: ${s.mismatched} mismatch${s.mismatched > 1 ? 'es' : ''}${s.mismatched > 10 ? ' (first 10)' : ''}`,
    );
    for (const m of s.mismatches.slice(0, 10)) lines.push(`  <${m.mid}>: ${m.why}`);
  }
  const intendedAny = CHECKS.some(([k]) => summary[k].intended) || duplicates.length;
  if (intendedAny) {
    lines.push('');
    lines.push(
      'intended differences (README.md explains each), not counted as failures: a reused Message-ID keeps every',
    );
    lines.push(
      "copy (public-inbox's reference import drops the second, so its /raw has one); recipients after a control",
    );
    lines.push("character in To/Cc stay in the reply line (public-inbox's address parser drops them):");
    for (const [key] of CHECKS) {
      const s = summary[key];
      if (!s.intended) continue;
      lines.push(`  ${key}: ${s.intended}`);
      for (const m of s.intendedCases.slice(0, 10)) lines.push(`    <${m.mid}>: ${m.why}`);
    }
  }
  lines.push('');
  lines.push(
    failed
      ? `FAIL: ${Object.values(summary).reduce((n, s) => n + s.mismatched, 0)} comparison(s) differ`
      : 'OK: every comparison matched (apart from intended differences)',
  );
  lines.push(
    `(${((Date.now() - tCompare) / 1000).toFixed(0)} s comparing, ${((Date.now() - t0) / 1000).toFixed(0)} s in all` +
      `${retries ? `; ${retries} request${retries > 1 ? 's' : ''} retried after a reset keep-alive connection` : ''})`,
  );
  console.log(lines.join('\n'));

  if (o.json) {
    const report = {
      mbox: mboxPath,
      messages: total,
      withoutMessageId: withoutId,
      sampled: results.length,
      seed,
      publicInbox: piUrl,
      lorekeeper: lkUrl,
      ok: !failed,
      retries,
      checks: Object.fromEntries(
        CHECKS.map(([key]) => {
          const s = summary[key];
          return [
            key,
            {
              label: s.label,
              matched: s.matched,
              compared: s.compared,
              intended: s.intended,
              rate: s.compared ? s.matched / s.compared : null,
              mismatches: s.mismatches,
              intendedCases: s.intendedCases,
            },
          ];
        }),
      ),
      duplicateMessageIdsKept: duplicates,
      results: results.map((r) => ({
        mid: r.mid,
        index: r.index,
        how: r.how,
        copies: r.copies,
        ...Object.fromEntries(CHECKS.map(([k]) => [k, detail(r[k])])),
      })),
    };
    writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
    log(`wrote ${o.json}`);
  }
  return failed ? 1 : 0;
}

let code;
try {
  code = await main();
} catch (err) {
  log(err.stack || err.message);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);
