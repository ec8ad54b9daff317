// Deterministic damage to real mail, for the fuzz test. A variant is a function of the fuzz seed and
// its number alone, so a failure report (variant n, seed S) lets anyone make the same bytes again.
// Messages are handled as latin1 strings: one char per byte, so every byte value survives the trip.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { MboxSplitter } from '../../src/mail/mboxrd.js';
import { readMbox } from '../helpers/mbox.js';
import seedrandom from 'seedrandom';
import { corpus, fixture } from '../helpers/paths.js';

class Dice {
  constructor(private readonly next: () => number) {}

  /** 0 <= result < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** lo <= result <= hi */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

// --- seeds -----------------------------------------------------------------------------------

export interface Seed {
  /** `file#index`, for failure reports. */
  label: string;
  raw: Buffer;
}

/** The real threads and the hostile sample of fixtures/. */
const THREADS = [
  'vfio-vsva-v7.thread.mbox',
  'vsock-multicid.thread.mbox',
  'virtio-ring-cleanup-v2.thread.mbox',
  'hostile-sample.mbox.gz',
];
/** In the shared corpus only (the long fuzz): the whole virtualization list. */
export const LIST = 'virtualization.mbox.gz';
/** Every 10th of the big list's first 3,000 messages: many senders and MUAs, without reading all 27k. */
const LIST_FIRST = 3000;
const LIST_EVERY = 10;

/** The fixtures' messages, and with `list` a sample of the virtualization list too. */
export async function loadSeeds(list: boolean): Promise<Seed[]> {
  const threads = THREADS.flatMap((name) => readMbox(fixture(name)).map((raw, i) => ({ label: `${name}#${i}`, raw })));
  return list ? [...threads, ...(await listSample())] : threads;
}

async function listSample(): Promise<Seed[]> {
  const out: Seed[] = [];
  const file = createReadStream(corpus(LIST));
  const splitter = new MboxSplitter();
  let i = 0;
  try {
    for await (const chunk of file.pipe(createGunzip())) {
      for (const raw of splitter.push(chunk as Buffer)) {
        // a copy, so the seed does not pin the splitter's whole chunk in memory
        if (i % LIST_EVERY === 0) out.push({ label: `${LIST}#${i}`, raw: Buffer.from(raw) });
        if (++i >= LIST_FIRST) return out;
      }
    }
    return out;
  } finally {
    file.destroy();
  }
}

// --- variants --------------------------------------------------------------------------------

export interface Variant {
  n: number;
  seed: string;
  mutations: string[];
  raw: Buffer;
}

/** Variant `n`: one seed, its `X-Fuzz-Variant: n` line on top, then one to three mutations. */
export function makeVariant(seeds: readonly Seed[], n: number, fuzzSeed: number): Variant {
  const dice = new Dice(seedrandom(`${fuzzSeed}:${n}`));
  const seed = dice.pick(seeds);
  let s = seed.raw.toString('latin1');
  s = `X-Fuzz-Variant: ${n}${eol(s)}${s}`;
  const mutations: string[] = [];
  for (let k = dice.between(1, 3); k > 0; k--) {
    const m = pickMutation(dice);
    s = m.apply(s, dice);
    mutations.push(m.name);
  }
  return { n, seed: seed.label, mutations, raw: Buffer.from(s, 'latin1') };
}

interface Mutation {
  name: string;
  /** Relative frequency: the giant ones are rarer, as each costs megabytes. */
  weight: number;
  apply: (s: string, d: Dice) => string;
}

function pickMutation(d: Dice): Mutation {
  let x = d.int(TOTAL_WEIGHT);
  for (const m of MUTATIONS) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return MUTATIONS[MUTATIONS.length - 1];
}

// --- message structure -----------------------------------------------------------------------

/** The message's own line ending, so added lines look like the rest. */
function eol(s: string): string {
  const lf = s.indexOf('\n');
  return lf > 0 && s[lf - 1] === '\r' ? '\r\n' : '\n';
}

interface Parts {
  head: string;
  /** The blank line (with the line ending before it), '' when there is none. */
  sep: string;
  body: string;
}

function parts(s: string): Parts {
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) return { head: s, sep: '', body: '' };
  return { head: s.slice(0, m.index), sep: m[0], body: s.slice(m.index + m[0].length) };
}

function joinParts(p: Parts): string {
  return p.head + p.sep + p.body;
}

/** A header field with its continuation lines; `name` is a regexp source. */
function fieldRe(name: string): RegExp {
  return new RegExp(`^(?:${name}):[^\\n]*(?:\\n[ \\t][^\\n]*)*(?:\\n|$)`, 'gim');
}

function dropField(head: string, name: string): string {
  return head.replace(fieldRe(name), '').replace(/\r?\n$/, '');
}

function addField(head: string, line: string, e: string): string {
  return head ? head + e + line : line;
}

/** Replace every `name` field of the top header with one `name: value`. */
function setField(s: string, name: string, value: string): string {
  const p = parts(s);
  return joinParts({ ...p, head: addField(dropField(p.head, name), `${name}: ${value}`, eol(s)) });
}

/** Insert header lines right after the first line, so the X-Fuzz-Variant line stays on top. */
function afterFirstLine(s: string, lines: string): string {
  const lf = s.indexOf('\n');
  return lf < 0 ? s + eol(s) + lines : s.slice(0, lf + 1) + lines + s.slice(lf + 1);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function boundaries(s: string): string[] {
  return [...new Set([...s.matchAll(/boundary\s*=\s*"?([^"\s;]+)"?/gi)].map((m) => m[1]))];
}

/** Start and end of every line that opens or closes a part of a declared boundary. */
function boundaryLines(s: string): [number, number][] {
  const out: [number, number][] = [];
  for (const b of boundaries(s)) {
    for (const m of s.matchAll(new RegExp(`^--${escapeRe(b)}(?:--)?[ \\t]*\\r?$`, 'gm')))
      out.push([m.index, m.index + m[0].length]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The Content-* fields of a header, unfolded lines kept, line endings dropped. */
function contentFields(head: string): string[] {
  return [...head.matchAll(fieldRe('Content-[\\w-]*'))].map((m) => m[0].replace(/\r?\n$/, '').replace(/\r/g, ''));
}

/** A multipart message: the message itself when it is one, else its body as the first of two parts. */
function ensureMultipart(s: string): string {
  if (boundaries(s).length) return s;
  const e = eol(s);
  const p = parts(s);
  const b = 'fuzz-wrap-boundary';
  const head = addField(dropField(p.head, 'Content-[\\w-]*'), `Content-Type: multipart/mixed; boundary="${b}"`, e);
  const first = [`--${b}`, ...contentFields(p.head), '', p.body];
  const second = [`--${b}`, 'Content-Type: text/plain; charset=us-ascii', '', 'second part', `--${b}--`, ''];
  return [head, '', 'This is a multi-part message in MIME format.', ...first, ...second].join(e);
}

/** Positions of every line feed (or of every match of `re`), to damage some of them. */
function positions(s: string, re = /\n/g): number[] {
  return [...s.matchAll(re)].map((m) => m.index);
}

/** Apply `edit` at up to `k` of `at`, last first so earlier positions stay valid. */
function editAt(s: string, at: number[], k: number, d: Dice, edit: (s: string, i: number) => string): string {
  const chosen = new Set<number>();
  for (let i = 0; i < k && at.length; i++) chosen.add(d.pick(at));
  return [...chosen].sort((a, b) => b - a).reduce(edit, s);
}

// --- truncation ------------------------------------------------------------------------------

function truncateAnywhere(s: string, d: Dice): string {
  return s.slice(0, d.int(s.length + 1));
}

function truncateInHeaders(s: string, d: Dice): string {
  return s.slice(0, d.int(parts(s).head.length + 1));
}

function truncateInBoundaryLine(s: string, d: Dice): string {
  const t = ensureMultipart(s);
  const lines = boundaryLines(t);
  if (!lines.length) return truncateAnywhere(t, d);
  const [start, end] = d.pick(lines);
  return t.slice(0, d.between(start + 1, end));
}

/** Cut inside a base64 or quoted-printable line, where decoders meet half a quantum or half an escape. */
function truncateInEncoded(s: string, d: Dice): string {
  const p = parts(s);
  const bodyStart = p.head.length + p.sep.length;
  const encoded = [...p.body.matchAll(/^(?:[A-Za-z0-9+/]{16,}={0,2}|[^\n]*=(?:[0-9A-F]{2}[^\n]*)?)\r?$/gm)];
  if (!encoded.length) return s.slice(0, bodyStart + d.int(p.body.length + 1));
  const m = d.pick(encoded);
  return s.slice(0, bodyStart + m.index + 1 + d.int(m[0].length));
}

// --- bytes and lines -------------------------------------------------------------------------

/** Bytes that mean something to a mail parser, or to a UTF-8 decoder. */
const SPECIAL_BYTES = [0x00, 0x0d, 0x0a, 0x3a, 0x3d, 0x2d, 0x20, 0x09, 0x3c, 0x3e, 0x22, 0x3f];

function flipBytes(s: string, d: Dice): string {
  const b = Buffer.from(s, 'latin1');
  if (!b.length) return s;
  const headEnd = parts(s).head.length || b.length;
  for (let k = d.between(1, 16); k > 0; k--) {
    const at = d.chance(0.5) ? d.int(headEnd) : d.int(b.length);
    b[at] = d.chance(0.4) ? d.pick(SPECIAL_BYTES) : d.chance(0.6) ? 0x80 + d.int(128) : d.int(256);
  }
  return b.toString('latin1');
}

function lineEndings(s: string, d: Dice): string {
  const k = d.between(1, 20);
  switch (d.int(6)) {
    case 0:
      return s.replace(/\r?\n/g, '\r\n');
    case 1:
      return s.replace(/\r\n/g, '\n');
    case 2:
      return editAt(s, positions(s), k, d, (t, i) => t.slice(0, i) + '\r' + t.slice(i + 1)); // bare CR
    case 3:
      return editAt(s, positions(s), k, d, (t, i) => t.slice(0, i) + t.slice(i + 1)); // lines joined
    case 4:
      return editAt(s, positions(s), k, d, (t, i) => t.slice(0, i) + '\r\r\n' + t.slice(i + 1));
    default:
      return editAt(s, positions(s), k * 10, d, (t, i) => t.slice(0, i) + '\r\n' + t.slice(i + 1)); // mixed
  }
}

function duplicateLines(s: string, d: Dice): string {
  const lines = s.split('\n');
  const at = d.int(lines.length);
  const block = lines.slice(at, at + d.between(1, 5));
  const copies = Array.from({ length: d.between(1, 50) }, () => block).flat();
  lines.splice(d.chance(0.5) ? at : d.int(lines.length), 0, ...copies);
  return lines.join('\n');
}

function deleteLines(s: string, d: Dice): string {
  const lines = s.split('\n');
  lines.splice(d.int(lines.length), d.between(1, 10));
  return lines.join('\n');
}

/** A piece of the message copied somewhere else in it: headers in the body, parts in headers. */
function spliceSelf(s: string, d: Dice): string {
  const from = d.int(s.length + 1);
  const piece = s.slice(from, from + d.between(1, 4096));
  const to = d.int(s.length + 1);
  return s.slice(0, to) + piece + s.slice(to);
}

/** Lines no header block should hold, at a random place in the header. */
const GARBAGE_FIELDS = [
  'no colon on this line',
  ': a field without a name',
  'Sub ject: a name with a space',
  ' a continuation of nothing',
  'From nobody Mon Jan  1 00:00:00 2024',
  'X-\xff\xfe-Eight-Bit: name',
  'X-Nul\0Name: value',
  'Subject:',
  'Date: not a date at all',
  'Date: Tue, 31 Feb 99999 25:61:61 +9999',
  'Date: Thu, 01 Jan 1970 00:00:00 -2400',
  'From: <<<@@@>>>',
  'From: "unterminated <x@y>',
  'To: ' + 'undisclosed-recipients:;, '.repeat(200),
  'In-Reply-To: <',
  'References: <a@b> <a@b> <a@b>',
  'List-Id: <>',
  'X'.repeat(10000) + ': a long field name',
];

function headerGarbage(s: string, d: Dice): string {
  const lines = s.split('\n');
  const headLines = parts(s).head.split('\n').length;
  const line = d.pick(GARBAGE_FIELDS) + (eol(s) === '\r\n' ? '\r' : '');
  lines.splice(d.int(headLines + 1), 0, line);
  return lines.join('\n');
}

function separatorRemoved(s: string, d: Dice): string {
  const p = parts(s);
  if (!p.sep) return s;
  const e = eol(s);
  return p.head + e + d.pick(['', ' ' + e, '\t' + e, '\0' + e, '\r' + e]) + p.body;
}

// --- MIME boundaries -------------------------------------------------------------------------

function boundaryRemoved(s: string, d: Dice): string {
  const param = /;?\s*boundary\s*=\s*(?:"[^"]*"|[^\s;]*)/i;
  const t = ensureMultipart(s);
  return t.replace(d.chance(0.5) ? param : new RegExp(param.source, 'gi'), '');
}

function boundaryChanged(s: string, d: Dice): string {
  const t = ensureMultipart(s);
  const b = d.pick(boundaries(t));
  const replacement = d.pick([
    b + 'x',
    b.toUpperCase(),
    b.slice(0, -1),
    '',
    '"',
    '(.*)+[',
    '-'.repeat(70),
    'x'.repeat(3000),
    b + '\0',
    b + ' ',
  ]);
  return t.replace(new RegExp(`(boundary\\s*=\\s*"?)${escapeRe(b)}`, 'i'), (_m, lead: string) => lead + replacement);
}

function closingBoundaryMissing(s: string, d: Dice): string {
  const t = ensureMultipart(s);
  const all = boundaries(t);
  const chosen = d.chance(0.5) ? all : [d.pick(all)];
  return chosen.reduce((u, b) => u.replace(new RegExp(`^--${escapeRe(b)}--[ \\t]*\\r?\\n?`, 'gm'), ''), t);
}

const LINE_DAMAGE: ((line: string, d: Dice) => string)[] = [
  (l) => l.slice(1), // one dash short
  (l) => l + ' trailing words',
  (l) => l + ' \t',
  (l) => l.slice(0, 5) + '\0' + l.slice(5),
  (l) => '--' + l,
  (l) => l.toUpperCase(),
  () => '',
  (l, d) => l.slice(0, d.int(l.length)),
  (l) => `${l}\n${l}`,
];

function boundaryLinesMangled(s: string, d: Dice): string {
  const t = ensureMultipart(s);
  const lines = boundaryLines(t);
  if (!lines.length) return t;
  const chosen = new Set(Array.from({ length: d.between(1, 4) }, () => d.pick(lines)));
  return [...chosen]
    .sort((a, b) => b[0] - a[0])
    .reduce((u, [start, end]) => u.slice(0, start) + d.pick(LINE_DAMAGE)(u.slice(start, end), d) + u.slice(end), t);
}

// --- transfer encodings, charsets, encoded-words ---------------------------------------------

const BASE64_JUNK = ['!', '*', '\0', '\xff', ' ', '=', '==', '-', '\x80\x81', '====', '@@@@'];

function badBase64(s: string, d: Dice): string {
  const lines = positions(s, /^[A-Za-z0-9+/]{20,}={0,2}\r?$/gm);
  if (lines.length) {
    return editAt(s, lines, d.between(1, 8), d, (t, i) => {
      const at = i + d.int(20);
      return d.chance(0.3) ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + d.pick(BASE64_JUNK) + t.slice(at);
    });
  }
  // no base64 here: text declared base64, or real base64 with holes in it
  const p = parts(setField(s, 'Content-Transfer-Encoding', 'base64'));
  if (d.chance(0.5)) return joinParts(p);
  const encoded = Buffer.from(p.body, 'latin1')
    .toString('base64')
    .replace(/.{76}/g, `$&${eol(s)}`);
  return joinParts({
    ...p,
    body: editAt(
      encoded,
      positions(encoded, /[A-Z]/g),
      d.between(1, 8),
      d,
      (t, i) => t.slice(0, i) + d.pick(BASE64_JUNK) + t.slice(i + 1),
    ),
  });
}

const QP_JUNK = [
  '=ZZ',
  '=4',
  '=\r',
  '= ',
  '=',
  '=\n',
  '=3',
  '=E2=82',
  '=00',
  '=\r\r\n',
  '=3D=',
  '===',
  '=C3=28',
  '=FF=FE',
];

function badQuotedPrintable(s: string, d: Dice): string {
  const t = /quoted-printable/i.test(s) ? s : setField(s, 'Content-Transfer-Encoding', 'quoted-printable');
  const p = parts(t);
  let body = p.body;
  for (let k = d.between(1, 12); k > 0; k--) {
    const at = d.int(body.length + 1);
    body = body.slice(0, at) + d.pick(QP_JUNK) + body.slice(at);
  }
  return joinParts({ ...p, body: d.chance(0.3) ? body + '=' : body });
}

const CHARSETS = [
  'x-unknown-8bit',
  'utf-7',
  'utf-16',
  'utf-32le',
  'iso-8859-99',
  '',
  '"unterminated',
  'a'.repeat(5000),
  'utf-8\0',
  '../../etc/passwd',
  'cp65001',
  'gb18030',
  'ISO-2022-JP',
  'EBCDIC-US',
  'unicode-1-1-utf-7',
  'utf8; charset=latin1',
  '"utf-8"; charset="koi8-r"',
  '__proto__',
  'constructor',
  'binary',
  'base64',
];

function bogusCharset(s: string, d: Dice): string {
  const cs = d.pick(CHARSETS);
  const at = positions(s, /charset\s*=\s*"?[^"\s;]*"?/gi);
  if (!at.length) return setField(s, 'Content-Type', `text/plain; charset=${cs}`);
  const i = d.pick(at);
  return s.slice(0, i) + s.slice(i).replace(/charset\s*=\s*"?[^"\s;]*"?/i, () => `charset=${cs}`);
}

const BROKEN_WORDS = [
  '=?utf-8?B?####?=',
  '=?utf-8?Q?=E2=82?=',
  '=?nonexistent?Q?hello?=',
  '=?utf-8?X?abc?=',
  '=?utf-8?B?SGVsbG8',
  '=??B?SGVsbG8=?=',
  '=?utf-8*xx?Q?a?=',
  '=?utf-16?B?2D3d?=',
  '=?utf-8?b?' + Buffer.from([0xc3, 0x28, 0xff]).toString('base64') + '?=',
  '=?iso-2022-jp?B?GyRC?=',
  '=?utf-8?Q?a?= '.repeat(500),
  '=?utf-8?Q?' + '=C3'.repeat(1000) + '?=',
  '=?utf-8?Q?\0?=',
  '=?UTF-8?B?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?=',
  '=?utf-8?q?_?=?=?utf-8?q?_?=',
  '=?',
  '?=',
  '=?utf-8??=',
];

function brokenEncodedWords(s: string, d: Dice): string {
  const value = Array.from({ length: d.between(1, 4) }, () => d.pick(BROKEN_WORDS)).join(d.pick([' ', '', '\n ']));
  switch (d.int(5)) {
    case 0:
      return setField(s, 'Subject', value);
    case 1:
      return setField(s, 'From', `${value} <fuzz@example.org>`);
    case 2:
      return setField(s, 'Content-Disposition', `attachment; filename="${value}"`);
    case 3:
      return setField(
        s,
        'Content-Disposition',
        d.pick([
          "attachment; filename*=utf-8''%E2%82%",
          "attachment; filename*0*=utf-8''%E2; filename*2*=%AC",
          "attachment; filename*=bogus'xx'%FF%FE",
          'attachment; filename*1=only-the-second-piece',
        ]),
      );
    default:
      return setField(s, 'To', `${value} <a@example.org>, ${value}`);
  }
}

const CTE_NONSENSE = [
  'x-uuencode',
  '8bit7bit',
  '',
  'base64; foo=bar',
  ' BASE64 ',
  'quoted-printable base64',
  'binary',
  'x-gzip64',
  '7bit\0',
  'b'.repeat(10000),
  'quoted-printable\r\nContent-Transfer-Encoding: base64',
];

function cteNonsense(s: string, d: Dice): string {
  const value = d.pick(CTE_NONSENSE);
  const at = positions(s, /^Content-Transfer-Encoding:/gim);
  if (!at.length || d.chance(0.3)) return setField(s, 'Content-Transfer-Encoding', value);
  const i = d.pick(at);
  return (
    s.slice(0, i) +
    s.slice(i).replace(/^Content-Transfer-Encoding:[^\n]*/im, () => `Content-Transfer-Encoding: ${value}`)
  );
}

const CONTENT_TYPES = [
  'multipart/mixed',
  'message/rfc822',
  'multipart/digest; boundary=x',
  'text/',
  '/',
  ';;;;',
  'multipart/alternative; boundary=""',
  "text/plain; name*0*=utf-8''%E2; name*1*=%82%AC",
  'application/octet-stream; ' + 'x=y; '.repeat(5000),
  'message/global',
  'message/partial; id="x"; number=2; total=1',
  'multipart/signed; boundary="a"; boundary="b"',
  'text/html; charset=utf-8',
  'text/x-patch',
  'TEXT/PLAIN; CHARSET=UTF-8',
  'multipart/mixed; boundary=--',
];

function contentTypeNonsense(s: string, d: Dice): string {
  return setField(s, 'Content-Type', d.pick(CONTENT_TYPES));
}

// --- Message-ID ------------------------------------------------------------------------------

const MESSAGE_IDS = [
  '<' + 'a'.repeat(100000) + '@example.org>',
  '<a b c@example.org>',
  'fuzz@example.org',
  '<<nested@example.org>>',
  '<a@example.org> <b@example.org>',
  '<nul\0id@example.org>',
  '<>',
  '<unterminated@example.org',
  ' ',
  '<\xff\xfe@example.org>',
  '<../../etc/passwd>',
  '<a%2Fb/../c@example.org>',
  '<?q=x&t=1>',
  '<raw>',
  '<t.mbox.gz>',
  '<"quoted"@example.org>',
  '<x@y>' + '\t'.repeat(1000),
];

function messageIdMangled(s: string, d: Dice): string {
  const p = parts(s);
  if (d.chance(0.2)) return joinParts({ ...p, head: dropField(p.head, 'Message-ID') });
  const t = setField(s, 'Message-ID', d.pick(MESSAGE_IDS));
  return d.chance(0.2)
    ? setField(t, 'Message-ID', `${d.pick(MESSAGE_IDS)}${eol(s)}Message-ID: ${d.pick(MESSAGE_IDS)}`)
    : t;
}

// --- giants ----------------------------------------------------------------------------------

const MB = 1 << 20;

function giantSubject(s: string, d: Dice): string {
  const e = eol(s);
  const words = 'patch series virtio vfio iommu fix ';
  switch (d.int(3)) {
    case 0:
      return setField(s, 'Subject', words.repeat(MB / words.length));
    case 1:
      return setField(s, 'Subject', (words + e + ' ').repeat(MB / (words.length + 3)));
    default:
      return setField(s, 'Subject', '=?utf-8?B?w6lsw6lwaGFudA==?= '.repeat(MB / 31));
  }
}

function manyReceived(s: string, d: Dice): string {
  const e = eol(s);
  const lines = Array.from(
    { length: 10000 },
    (_, i) =>
      `Received: from relay${i}.example.org (relay${i}.example.org [10.${(i >> 8) & 255}.${i & 255}.${d.int(256)}]) by mx.example.org; ` +
      `${d.chance(0.1) ? 'garbage date' : `Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`}${e}`,
  );
  return afterFirstLine(s, lines.join(''));
}

function manyReferences(s: string, d: Dice): string {
  const e = eol(s);
  const mid = /^Message-ID:\s*<([^>\r\n]*)>/im.exec(s)?.[1] ?? 'self@example.org';
  // a few point at the message itself: reference cycles for the thread linker
  const ids = Array.from({ length: 10000 }, (_, i) =>
    i % 997 === 0 ? `<${mid}>` : `<ref${d.int(5000)}.${i}@example.org>`,
  );
  return afterFirstLine(
    s,
    d.chance(0.5) ? `References: ${ids.join(e + ' ')}${e}` : ids.map((id) => `References: ${id}${e}`).join(''),
  );
}

function foldedHeader(s: string, d: Dice): string {
  const name = d.pick(['Subject', 'To', 'Cc', 'References', 'X-Folded', 'Content-Type', 'From']);
  const fold = eol(s) + d.pick([' ', '\t']) + d.pick(['x', '', 'a@example.org,', '=?utf-8?Q?a?=']);
  return setField(s, name, 'start' + fold.repeat(100000));
}

/** The message's body inside `depth` multiparts, each the only part of the one around it. */
function deepMultipart(s: string, d: Dice): string {
  const depth = d.between(1000, 2500);
  const e = eol(s);
  const p = parts(s);
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 1; i <= depth; i++) {
    open.push(`--n${i - 1}`, `Content-Type: multipart/mixed; boundary="n${i}"`, '');
    if (!d.chance(0.05)) close.unshift(`--n${i - 1}--`);
  }
  const head = addField(dropField(p.head, 'Content-[\\w-]*'), 'Content-Type: multipart/mixed; boundary="n0"', e);
  return [head, '', ...open, `--n${depth}`, ...contentFields(p.head), '', p.body, `--n${depth}--`, ...close, ''].join(
    e,
  );
}

/** The whole message inside `depth` message/rfc822 parts. */
function deepRfc822(s: string, d: Dice): string {
  const depth = d.between(1000, 2500);
  const e = eol(s);
  const p = parts(s);
  const head = addField(dropField(p.head, 'Content-[\\w-]*'), 'Content-Type: message/rfc822', e);
  const level = (i: number) => `Subject: level ${i}${e}Content-Type: message/rfc822${e}${e}`;
  return head + e + e + Array.from({ length: depth }, (_, i) => level(i)).join('') + s;
}

// --- the table -------------------------------------------------------------------------------

const MUTATIONS: Mutation[] = [
  { name: 'truncate', weight: 4, apply: truncateAnywhere },
  { name: 'truncate-in-headers', weight: 4, apply: truncateInHeaders },
  { name: 'truncate-in-boundary-line', weight: 4, apply: truncateInBoundaryLine },
  { name: 'truncate-in-encoded', weight: 4, apply: truncateInEncoded },
  { name: 'flip-bytes', weight: 8, apply: flipBytes },
  { name: 'line-endings', weight: 4, apply: lineEndings },
  { name: 'duplicate-lines', weight: 4, apply: duplicateLines },
  { name: 'delete-lines', weight: 4, apply: deleteLines },
  { name: 'splice-self', weight: 3, apply: spliceSelf },
  { name: 'header-garbage', weight: 4, apply: headerGarbage },
  { name: 'separator-removed', weight: 3, apply: separatorRemoved },
  { name: 'boundary-removed', weight: 3, apply: boundaryRemoved },
  { name: 'boundary-changed', weight: 3, apply: boundaryChanged },
  { name: 'closing-boundary-missing', weight: 3, apply: closingBoundaryMissing },
  { name: 'boundary-lines-mangled', weight: 4, apply: boundaryLinesMangled },
  { name: 'bad-base64', weight: 4, apply: badBase64 },
  { name: 'bad-quoted-printable', weight: 4, apply: badQuotedPrintable },
  { name: 'bogus-charset', weight: 4, apply: bogusCharset },
  { name: 'broken-encoded-words', weight: 4, apply: brokenEncodedWords },
  { name: 'cte-nonsense', weight: 3, apply: cteNonsense },
  { name: 'content-type-nonsense', weight: 3, apply: contentTypeNonsense },
  { name: 'message-id-mangled', weight: 4, apply: messageIdMangled },
  { name: 'giant-subject', weight: 1, apply: giantSubject },
  { name: 'many-received', weight: 1, apply: manyReceived },
  { name: 'many-references', weight: 1, apply: manyReferences },
  { name: 'folded-header-100k', weight: 1, apply: foldedHeader },
  { name: 'deep-multipart', weight: 1, apply: deepMultipart },
  { name: 'deep-rfc822', weight: 1, apply: deepRfc822 },
];

const TOTAL_WEIGHT = MUTATIONS.reduce((n, m) => n + m.weight, 0);
