// The stored reading model of one message: decoded headers and parts, so pages never re-parse MIME.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeCharset, decodeTransfer } from './codec.js';

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

/** Docs are small: an 8 KiB window compresses them as well and sets up in half the time. */
export function encodeDoc(doc: MessageDoc): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(doc), 'utf8'), { level: 6, windowBits: 13, memLevel: 8 });
}

export function decodeDoc(buf: Buffer): MessageDoc {
  return JSON.parse(inflateRawSync(buf).toString('utf8')) as MessageDoc;
}

/** The text of a part, decoded again from the raw bytes exactly as the ingest decided to. */
export function partTextOf(part: DocPart, raw: () => Buffer): string | undefined {
  if (!part.isText) return undefined;
  if (part.text !== undefined || !part.body) return part.text;
  const body = raw().subarray(part.body[0], part.body[1]);
  return decodeCharset(decodeTransfer(body, part.cte), part.charset).text;
}
