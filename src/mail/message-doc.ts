// The stored reading model of one message: decoded headers and parts, so pages never re-parse MIME.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeCharset, decodeTransfer } from './codec.js';
import { DOC_DICTIONARY_V2 } from './doc-dictionary.js';

/**
 * Header instances pages and replies need: From/To/Cc/Subject/Reply-To RFC 2047-decoded (what
 * public-inbox's header_str gives), the rest as written (unfolded).
 */
export type DocHeaders = Partial<Record<DocHeaderName, string[]>>;
export type DocHeaderName =
  'from' | 'to' | 'cc' | 'subject' | 'reply-to' | 'date' | 'message-id' | 'x-alt-message-id' | 'in-reply-to';

export interface DocPart {
  idx: string;
  depth: number;
  /** The Content-Type header as written, or 'text/plain' when absent. */
  ct: string;
  fn?: string;
  desc?: string;
  /** Decoded size in bytes; absent for entities without a body (no attachment line is shown). */
  size?: number;
  /** The part is shown as text. */
  isText?: boolean;
  /** [start, end) of the part's body in the raw message, still transfer-encoded. */
  body?: [number, number];
  /** Content-Transfer-Encoding to undo. */
  cte?: string;
  /** Charset to decode the text with (absent: none declared, UTF-8 else Latin-1). */
  charset?: string;
  /** Decoded text, kept only if the body is not a slice of the raw bytes (never for parsed mail). */
  text?: string;
  /** The text was decoded by guessing the charset. */
  mangled?: boolean;
  /** This part is the message inside a message/rfc822 part; its headers are printed. */
  submsg?: boolean;
  /** Decoded headers of a sub-message, in public-inbox's order. */
  subHeaders?: [string, string][];
}

export interface MessageDoc {
  h: DocHeaders;
  parts: DocPart[];
}

/**
 * The first byte of a doc of codec 2: JSON deflated with DOC_DICTIONARY_V2. A doc without it is of
 * codec 1 (bare raw deflate, what stores wrote before), whose first byte never has both block-type
 * bits set (type 3 is invalid), so the two are told apart without a column.
 */
const CODEC_2 = 0x06;

/**
 * Docs are small (a kilobyte of JSON, mostly the names and addresses of From, To and Cc), so a
 * dictionary of the list's keys, content types and regular correspondents halves them.
 */
export function encodeDoc(doc: MessageDoc): Buffer {
  const json = Buffer.from(JSON.stringify(doc), 'utf8');
  return Buffer.concat([Buffer.of(CODEC_2), deflateRawSync(json, { level: 6, dictionary: DOC_DICTIONARY_V2 })]);
}

/** The doc's JSON, as encodeDoc was given it (the digest hashes this: codecs differ, content not). */
export function docJson(buf: Buffer): Buffer {
  return buf[0] === CODEC_2 ? inflateRawSync(buf.subarray(1), { dictionary: DOC_DICTIONARY_V2 }) : inflateRawSync(buf);
}

export function decodeDoc(buf: Buffer): MessageDoc {
  return JSON.parse(docJson(buf).toString('utf8')) as MessageDoc;
}

/** The text of a part, decoded again from the raw bytes exactly as the ingest decided to. */
export function partTextOf(part: DocPart, raw: () => Buffer): string | undefined {
  if (!part.isText) return undefined;
  if (part.text !== undefined || !part.body) return part.text;
  const body = raw().subarray(part.body[0], part.body[1]);
  return decodeCharset(decodeTransfer(body, part.cte), part.charset).text;
}
