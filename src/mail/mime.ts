// Walks a message's MIME tree the way public-inbox's Eml::each_part does, so part numbers match its URLs.
import { HeaderBlock, splitHeaderBody } from './headers.js';
import { parseHeaderValue, type HeaderValue } from './codec.js';

/** SpamAssassin's part cap, which public-inbox uses: later parts are ignored. */
export const MIME_PARTS_LIMIT = 1000;
/** Deeper nesting is treated as a leaf (postfix's limit, as in public-inbox). */
export const MIME_NESTING_LIMIT = 20;
/** Longer boundaries are not honoured (postfix's limit, as in public-inbox). */
export const MIME_BOUNDARY_LIMIT = 2048;

/** message/* subtypes whose body is another message to descend into. */
const MESSAGE_DESCEND = new Set(['news', 'rfc822', 'rfc2822', 'global']);

export class MimeEntity {
  readonly header: HeaderBlock;
  /** Undefined for header-only entities and for multiparts once split. */
  body: Buffer | undefined;
  /** Set on the message inside a message/rfc822 part. */
  isSubmsg = false;
  /** This container gets a callback of its own (a message/rfc822 part; a multipart that is a sub-message). */
  callsBack = false;
  private parsedType?: HeaderValue;

  constructor(header: HeaderBlock, body: Buffer | undefined) {
    this.header = header;
    this.body = body;
  }

  static parse(raw: Buffer): MimeEntity {
    const split = splitHeaderBody(raw);
    return new MimeEntity(HeaderBlock.parse(split.header), split.body ?? undefined);
  }

  /** A sub-part: one starting with a blank line has no header at all (Eml::new_sub). */
  static parseSub(raw: Buffer): MimeEntity {
    if (raw[0] === 0x0a) return new MimeEntity(new HeaderBlock([]), raw.subarray(1));
    if (raw[0] === 0x0d && raw[1] === 0x0a) return new MimeEntity(new HeaderBlock([]), raw.subarray(2));
    return MimeEntity.parse(raw);
  }

  /** The first Content-Type header, raw, as public-inbox's content_type returns it. */
  get contentTypeHeader(): string | undefined {
    return this.header.first('content-type');
  }

  /** Parsed Content-Type; a missing header means text/plain in US-ASCII (RFC 2045 5.2). */
  get contentType(): HeaderValue {
    if (!this.parsedType) {
      const raw = this.contentTypeHeader;
      this.parsedType =
        raw === undefined ? { value: 'text/plain', params: { charset: 'us-ascii' } } : parseHeaderValue(raw);
    }
    return this.parsedType;
  }

  /**
   * The entities this one contains, or null for a leaf: the inner message of message/rfc822, or
   * the non-blank parts of a multipart (a preamble containing ':' counts as a part, Eml::mp_descend).
   */
  descend(): MimeEntity[] | null {
    const [type, subtype = ''] = this.contentType.value.split('/');
    if (type === 'message' && MESSAGE_DESCEND.has(subtype)) {
      const inner = MimeEntity.parse(this.body ?? Buffer.alloc(0));
      inner.isSubmsg = true;
      this.callsBack = true;
      return [inner];
    }
    if (type !== 'multipart') return null;
    const boundary = this.contentType.params.boundary;
    if (boundary === undefined || boundary === '' || boundary.length >= MIME_BOUNDARY_LIMIT) return null;
    this.callsBack = this.isSubmsg;
    const body = this.body;
    if (!body) return null;
    const parts = splitMultipart(body, boundary);
    if (!parts) return null;
    this.body = undefined;
    return parts.map((p) => MimeEntity.parseSub(p));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Split a multipart body on its boundary lines; null when no boundary line is present at all. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] | null {
  const text = body.toString('latin1');
  const bnd = escapeRegExp(Buffer.from(boundary, 'utf8').toString('latin1'));
  let end = text.length;
  let epilogueMissing = true;
  const close = new RegExp(`(?:\\r?\\n)?^--${bnd}--[ \\t]*\\r?$`, 'm').exec(text);
  if (close) {
    end = close.index;
    epilogueMissing = false;
  }
  const delim = new RegExp(`(?:\\r?\\n)?(?:^--${bnd}[ \\t]*\\r?\\n)+`, 'gm');
  const pieces: [number, number][] = [];
  let prev = 0;
  for (const m of text.slice(0, end).matchAll(delim)) {
    pieces.push([prev, m.index]);
    prev = m.index + m[0].length;
    if (pieces.length > MIME_PARTS_LIMIT + 1) break;
  }
  if (!pieces.length) return null;
  pieces.push([prev, end]);
  const [preamble, ...rest] = pieces.map(([a, b]) => body.subarray(a, b));
  if (epilogueMissing && rest.length) {
    // Email::MIME compatibility: an unterminated last part loses one trailing blank line
    const last = rest[rest.length - 1];
    const m = /\n\r?\n$/.exec(last.toString('latin1'));
    if (m) rest[rest.length - 1] = last.subarray(0, last.length - m[0].length + 1);
  }
  const parts = rest.filter((p) => /[^ \t\r\n]/.test(p.toString('latin1')));
  // old git-send-email put "From: someone" in the preamble; public-inbox keeps such a preamble
  if (preamble.includes(0x3a)) parts.unshift(preamble);
  return parts;
}

export interface PartVisit {
  entity: MimeEntity;
  /** 0 for the top level, 1 for its parts, and so on. */
  depth: number;
  /** Dotted position: '1' for a single-part message, '2', '1.2' ... for parts. */
  idx: string;
}

/** Depth-first visit of the leaves and call-back containers, numbered as public-inbox numbers them. */
export function eachPart(top: MimeEntity): PartVisit[] {
  const visits: PartVisit[] = [];
  const first = top.descend();
  if (!first) return [{ entity: top, depth: 0, idx: '1' }];
  if (top.callsBack) visits.push({ entity: top, depth: 0, idx: '0' });
  type Frame = { queue: MimeEntity[]; idx: number[] };
  const stack: Frame[] = [];
  let frame: Frame | undefined = first.length ? { queue: first, idx: [0] } : undefined;
  let count = 0;
  while (frame && ++count <= MIME_PARTS_LIMIT) {
    frame.idx[frame.idx.length - 1]++;
    const idxPath = frame.idx.slice();
    const idx = idxPath.join('.');
    const depth = idxPath.length;
    const sub = frame.queue.shift() as MimeEntity;
    const inner = depth < MIME_NESTING_LIMIT ? sub.descend() : null;
    if (inner) {
      if (frame.queue.length) stack.push(frame);
      frame = { queue: inner, idx: [...idxPath, 0] };
      if (sub.callsBack) visits.push({ entity: sub, depth, idx });
    } else {
      visits.push({ entity: sub, depth, idx });
    }
    while (frame && !frame.queue.length) frame = stack.pop();
  }
  return visits;
}
