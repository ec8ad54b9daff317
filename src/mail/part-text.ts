// Which MIME parts are readable text and how to decode them (MsgIter::msg_part_text), plus their metadata.
import { decodeCharset, decodeTransfer, decodeWords, parseHeaderValue } from './codec.js';
import type { MimeEntity } from './mime.js';

export interface PartText {
  /** Decoded text, or undefined when the part is not shown as text (HTML, binary, containers). */
  text?: string;
  /** The charset was missing, unknown or wrong and the text was decoded by guessing. */
  mangled: boolean;
  /** Decoded body bytes (after base64/quoted-printable). */
  decoded: Buffer | undefined;
  /** The charset the text was decoded with; undefined for "none declared". */
  charset?: string;
}

const PRINTABLE_OR_SPACE = /^[\P{C}\s]*$/u;

/** The decoded text of a part, following public-inbox's rules for what counts as text. */
export function partText(part: MimeEntity): PartText {
  const ctHeader = part.contentTypeHeader ?? 'text/plain';
  const body = part.body;
  const decoded = body === undefined ? undefined : decodeTransfer(body, part.header.first('content-transfer-encoding'));
  if (/\btext\/x?html\b/i.test(ctHeader) || decoded === undefined) return { mangled: false, decoded };
  const { value, params } = part.contentType;
  const [type, subtype] = value.split('/');
  const charset = part.contentTypeHeader === undefined ? 'us-ascii' : params.charset;
  if (charset !== undefined || (type === 'text' && (subtype === 'plain' || subtype === 'html'))) {
    return { ...decodeCharset(decoded, charset), decoded, charset };
  }
  // no charset on a type Perl cannot stringify: text/* and top-level multipart/mixed are retried as UTF-8
  if (/\btext\//i.test(ctHeader) || (!part.isSubmsg && /\bmultipart\/mixed\b/i.test(ctHeader))) {
    const sevenBitAscii = /\b7bit\b/i.test(part.header.first('content-transfer-encoding') ?? '') && isAscii(decoded);
    return { text: decodeCharset(decoded, 'utf-8').text, mangled: !sevenBitAscii, decoded, charset: 'utf-8' };
  }
  if (/\bapplication\/octet-stream\b/i.test(ctHeader)) {
    const r = decodeCharset(decoded, undefined);
    return PRINTABLE_OR_SPACE.test(r.text) ? { text: r.text, mangled: false, decoded } : { mangled: false, decoded };
  }
  return { mangled: false, decoded };
}

function isAscii(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] > 0x7f) return false;
  return true;
}

/** The part's file name (Content-Disposition filename, else Content-Type name), decoded. */
export function partFilename(part: MimeEntity): string | undefined {
  const disp = parseHeaderValue(part.header.first('content-disposition'));
  let fn: string | undefined = disp.params.filename;
  if (fn === undefined || fn === '') fn = part.contentType.params.name;
  return fn === undefined ? undefined : decodeWords(fn);
}

export function partDescriptions(part: MimeEntity): string[] {
  return part.header.all('content-description').map(decodeWords);
}
