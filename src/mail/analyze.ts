// One raw message in, everything the store and the pages need out: ids, times, thread keys, the
// reading model, full-text fields, diff and patch facts. Pure: runs in the parse workers.
import { createHash } from 'node:crypto';
import { HeaderBlock } from './headers.js';
import { MimeEntity, eachPart } from './mime.js';
import { decodeWords } from './codec.js';
import { emails, names, decodeAddressHeader } from './addresses.js';
import { messageIdsForIndex, references, threadingRefs, generatedMessageId } from './message-id.js';
import { messageTimes } from './date.js';
import { subjectKey, parsePatchSubject } from './subject.js';
import { splitQuotes } from './quotes.js';
import { diffTerms, looksLikeDiff } from './diff.js';
import { patchId } from './patch-id.js';
import { contentHash, type ContentHashInput } from './content-hash.js';
import { partText, partFilename, partDescriptions } from './part-text.js';
import { encodeDoc, type DocPart, type DocHeaders, type DocHeaderName } from './message-doc.js';
import { followupTrailers, type Trailer } from './trailers.js';
import { b4Body, B4_DIFF } from './b4-body.js';
import { stemmedText } from './terms.js';

/** The text columns of the full-text index, named after public-inbox's search prefixes. */
export const TEXT_COLUMNS = [
  's',
  'f',
  't',
  'c',
  'nq',
  'q',
  'n',
  'dfn',
  'dfa',
  'dfb',
  'dfhh',
  'dfctx',
  'm',
  'l',
] as const;
export type TextColumn = (typeof TEXT_COLUMNS)[number];
/** The stemmed twin of a text column (Xapian's Z-prefixed terms). */
export type StemColumn = `z${TextColumn}`;
export const stemColumn = (c: TextColumn): StemColumn => `z${c}`;

/** What the full-text index holds of a message: each text column and its stemmed twin. */
export type FtsFields = Record<TextColumn | StemColumn, string>;

export interface PatchInfo {
  isPatch: boolean;
  reply: boolean;
  rfc: boolean;
  resend: boolean;
  version: number;
  counter: number;
  total: number;
  title: string;
}

/** What b4 reads in a message to assemble series (LoreMessage), computed once here. */
export interface SeriesFacts {
  /** First id of In-Reply-To (b4's in_reply_to). */
  inReplyTo: string | null;
  /** The body b4 considers (first plain or x-patch part, a later one with a diff preferred) has a diff. */
  hasDiff: boolean;
  hasDiffstat: boolean;
  /** `change-id:` and `base-commit:` lines of the body. */
  changeId: string | null;
  baseCommit: string | null;
  /** Trailers the body gives if it is a reply (messages without a diff only). */
  trailers: Trailer[];
}

export interface AnalyzedMessage {
  /** SHA-256 of the raw bytes: identical copies share one stored blob. */
  sha256: Buffer;
  size: number;
  /** Every id the message answers to; the first is its primary Message-ID. */
  mids: string[];
  midGenerated: boolean;
  /** Ids to thread by (references plus extra ids, never its own primary id). */
  refs: string[];
  /** public-inbox's content hash: equal for copies that differ only in trace headers. */
  contentHash: Buffer;
  subject: string;
  subjectKey: string | null;
  fromNames: string;
  fromAddr: string;
  ds: number;
  ts: number;
  listId: string | null;
  patch: PatchInfo;
  hasDiff: boolean;
  patchIds: string[];
  blobPre: string[];
  blobPost: string[];
  doc: Buffer;
  fts: FtsFields;
  series: SeriesFacts;
}

const B4_DIFFSTAT = /^\s*\d+ file.*\d+ (insertion|deletion)/im;

function seriesFacts(h: HeaderBlock, texts: { ct: string; text: string }[]): SeriesFacts {
  const inReplyTo = /<([^>]+)>/.exec(h.first('in-reply-to') ?? '')?.[1] ?? null;
  const body = b4Body(texts, (t) => t.text)?.replace(/\r/g, '') ?? '';
  const hasDiff = B4_DIFF.test(body);
  return {
    inReplyTo,
    hasDiff,
    hasDiffstat: B4_DIFFSTAT.test(body),
    changeId: /^change-id:\s+(\S+)/im.exec(body)?.[1] ?? null,
    baseCommit: /^base-commit: .*?([\da-f]+)/im.exec(body)?.[1] ?? null,
    trailers: hasDiff ? [] : followupTrailers(body),
  };
}

const ADDRESS_HEADERS: DocHeaderName[] = ['from', 'to', 'cc', 'reply-to'];
const RAW_HEADERS: DocHeaderName[] = ['date', 'message-id', 'x-alt-message-id', 'in-reply-to'];
const SUBMSG_HEADERS = ['From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'X-Alt-Message-ID'];

/** Input that is not an email at all; the message says why. */
export class NotMailError extends Error {}

/** Analyze one message. Throws NotMailError for non-mail, anything else only on bugs; callers quarantine both. */
export function analyzeMessage(raw: Buffer): AnalyzedMessage {
  return analyzeWithParts(raw).message;
}

/**
 * A message analyzed, with its parts (what `doc` holds) and the text of each text part as decoded
 * here (what partTextOf decodes again from the raw bytes): the ingest renders the body from them.
 */
export interface AnalyzedWithParts {
  message: AnalyzedMessage;
  parts: DocPart[];
  texts: Map<DocPart, string>;
}

/** analyzeMessage(), keeping the decoded parts. */
export function analyzeWithParts(raw: Buffer): AnalyzedWithParts {
  if (raw.length === 0) throw new NotMailError('empty message');
  const top = MimeEntity.parse(raw);
  const h = top.header;
  if (!h.fields.length) throw new NotMailError('no header fields: not a mail message');
  const docHeaders: DocHeaders = {};
  for (const name of ADDRESS_HEADERS) {
    const v = h.all(name);
    if (v.length) docHeaders[name] = v.map(decodeAddressHeader);
  }
  const subjects = h.all('subject');
  if (subjects.length) docHeaders.subject = subjects.map(decodeWords);
  for (const name of RAW_HEADERS) {
    const v = h.all(name);
    if (v.length) docHeaders[name] = v;
  }
  const dec = {
    from: docHeaders.from ?? [],
    to: docHeaders.to ?? [],
    cc: docHeaders.cc ?? [],
    subject: docHeaders.subject ?? [],
  };
  const clean = (vals: string[]) =>
    vals
      .join(', ')
      .replace(/\r/g, '')
      .replace(/[\0\t\n]/g, ' ');
  const subject = clean(dec.subject);
  const fromValue = clean(dec.from);
  const mids = messageIdsForIndex(h);
  const refsAll = references(h);

  const parts: DocPart[] = [];
  const partTexts = new Map<DocPart, string>();
  const fts = {
    nq: [] as string[],
    q: [] as string[],
    n: [] as string[],
    dfn: [] as string[],
    dfa: [] as string[],
    dfb: [] as string[],
    dfhh: [] as string[],
    dfctx: [] as string[],
  };
  const hashParts: ContentHashInput['parts'] = [];
  const texts: { ct: string; text: string }[] = [];
  const patchIds: string[] = [];
  const blobPre: string[] = [];
  const blobPost: string[] = [];
  let hasDiff = false;

  for (const { entity, depth, idx } of eachPart(top)) {
    const pt = partText(entity);
    const fn = partFilename(entity);
    const descs = partDescriptions(entity);
    const part: DocPart = { idx, depth, ct: entity.contentTypeHeader ?? 'text/plain' };
    if (fn !== undefined) part.fn = fn;
    if (descs.length) part.desc = descs[0];
    if (pt.decoded !== undefined) part.size = pt.decoded.length;
    if (pt.mangled) part.mangled = true;
    if (entity.isSubmsg) {
      part.submsg = true;
      part.subHeaders = [];
      for (const name of SUBMSG_HEADERS) {
        for (const v of entity.header.all(name.toLowerCase())) part.subHeaders.push([name, decodeWords(v)]);
      }
      fts.nq.push(part.subHeaders.map(([, v]) => v).join('\n'));
    }
    if (fn) fts.n.push(fn);
    const text = pt.text;
    if (text !== undefined) {
      texts.push({ ct: part.ct, text });
      partTexts.set(part, text);
      part.isText = true;
      // pages decode the text again from the raw bytes rather than storing it twice
      const slice = entity.body;
      const start = slice ? slice.byteOffset - raw.byteOffset : -1;
      if (slice && slice.buffer === raw.buffer && start >= 0 && start + slice.length <= raw.length) {
        part.body = [start, start + slice.length];
        const cte = entity.header.first('content-transfer-encoding');
        if (cte) part.cte = cte;
        if (pt.charset !== undefined) part.charset = pt.charset;
      } else part.text = text;
      if (indexText(text, fts, patchIds, blobPre, blobPost)) hasDiff = true;
    }
    parts.push(part);
    hashParts.push({
      depth,
      idx,
      filename: fn,
      descriptions: descs,
      content:
        text !== undefined
          ? Buffer.from(text.replace(/\r\n/g, '\n').trimEnd(), 'utf8')
          : (pt.decoded ?? Buffer.alloc(0)),
    });
  }

  const fromHeader = dec.from.length ? 'From' : 'Sender';
  const chash = contentHash({
    mids,
    refs: refsAll,
    from: { header: fromHeader, values: fromHeader === 'From' ? dec.from : h.all('sender').map(decodeWords) },
    subjects: dec.subject,
    dates: h.all('date'),
    to: dec.to,
    cc: dec.cc,
    parts: hashParts,
  });
  const { ds, ts } = messageTimes(h);
  let midGenerated = false;
  if (!mids.length) {
    mids.push(generatedMessageId(ds, chash));
    midGenerated = true;
  }
  const listIdMatch = /<([^>]+)>/.exec(h.first('list-id') ?? '');
  const listId = listIdMatch ? listIdMatch[1].toLowerCase() : null;
  const tag = parsePatchSubject(dec.subject[0] ?? '');

  const message: AnalyzedMessage = {
    sha256: createHash('sha256').update(raw).digest(),
    size: raw.length,
    mids,
    midGenerated,
    refs: threadingRefs(refsAll, mids, mids[0]),
    contentHash: chash,
    subject,
    subjectKey: subjectKey(subject),
    fromNames: names(fromValue).join(', '),
    fromAddr: emails(h.first('from') ?? h.first('sender') ?? '')[0] ?? '',
    ds,
    ts,
    listId,
    patch: {
      isPatch: tag.patch,
      reply: tag.reply,
      rfc: tag.rfc,
      resend: tag.resend,
      version: tag.version,
      counter: tag.counter,
      total: tag.total,
      title: tag.title,
    },
    hasDiff,
    patchIds,
    blobPre,
    blobPost,
    doc: encodeDoc({ h: docHeaders, parts }),
    fts: withStems({
      s: subject,
      f: fromValue,
      t: clean(dec.to),
      c: clean(dec.cc),
      nq: fts.nq.join('\n'),
      q: fts.q.join('\n'),
      n: fts.n.join('\n'),
      dfn: fts.dfn.join('\n'),
      dfa: fts.dfa.join('\n'),
      dfb: fts.dfb.join('\n'),
      dfhh: fts.dfhh.join('\n'),
      dfctx: fts.dfctx.join('\n'),
      m: midWords(mids),
      l: listId ?? '',
    }),
    series: seriesFacts(h, texts),
  };
  return { message, parts, texts: partTexts };
}

/** Every text column with its stemmed twin beside it. */
function withStems(text: Record<TextColumn, string>): FtsFields {
  const out = { ...text } as FtsFields;
  for (const c of TEXT_COLUMNS) out[stemColumn(c)] = stemmedText(text[c]);
  return out;
}

/** Message-ID words for `m:` (SearchIdx::index_ids): the ids, plus their long words split out. */
function midWords(mids: string[]): string {
  const out: string[] = [];
  for (const mid of mids) {
    out.push(mid);
    if (/\w{12,}/.test(mid)) out.push((mid.match(/\w{3,}/g) ?? []).join(' '));
  }
  return out.join('\n');
}

/** Route a part's text into the index fields; returns whether it held a diff. */
function indexText(
  text: string,
  fts: { nq: string[]; q: string[]; dfn: string[]; dfa: string[]; dfb: string[]; dfhh: string[]; dfctx: string[] },
  patchIds: string[],
  blobPre: string[],
  blobPost: string[],
): boolean {
  const hasDiff = looksLikeDiff(text);
  if (hasDiff) {
    const id = patchId(text);
    if (id) patchIds.push(id);
  }
  for (const section of splitQuotes(text)) {
    if (section.quoted) {
      fts.q.push(section.text);
    } else if (looksLikeDiff(section.text)) {
      const d = diffTerms(section.text);
      fts.nq.push(d.nq.join('\n'));
      fts.dfn.push(...d.dfn);
      fts.dfa.push(...d.dfa);
      fts.dfb.push(...d.dfb);
      fts.dfhh.push(...d.dfhh);
      fts.dfctx.push(...d.dfctx);
      blobPre.push(...d.dfpre);
      blobPost.push(...d.dfpost);
    } else {
      fts.nq.push(section.text);
    }
  }
  return hasDiff;
}
