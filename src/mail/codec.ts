// The only door to libmime, libqp and iconv-lite: encoded words, header parameters, transfer encodings, charsets.
import libmime from 'libmime';
import libqp from 'libqp';
import charsets from 'libmime/lib/charset.js';
import iconv from 'iconv-lite';

/** Decode RFC 2047 encoded words; a malformed word is left as it was rather than failing the header. */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

export interface HeaderValue {
  /** The value before any parameter, lower-cased (`text/plain`, `attachment`). */
  value: string;
  /** Parameters with lower-cased names, RFC 2231 continuations and charsets resolved. */
  params: Record<string, string>;
}

export function parseHeaderValue(raw: string | undefined): HeaderValue {
  if (!raw) return { value: '', params: {} };
  try {
    const parsed = libmime.parseHeaderValue(raw);
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed.params)) params[k.toLowerCase()] = String(v);
    return { value: parsed.value.trim().toLowerCase(), params };
  } catch {
    return { value: raw.split(';')[0].trim().toLowerCase(), params: {} };
  }
}

/**
 * Undo a Content-Transfer-Encoding. Quoted-printable output gets CRLF line ends, as public-inbox's
 * Eml::dec_qp leaves them, so the decoded sizes we print match its attachment lines.
 */
export function decodeTransfer(body: Buffer, cte: string | undefined): Buffer {
  const m = cte && /([a-zA-Z0-9-]+)/.exec(cte);
  const enc = m ? m[1].toLowerCase() : '';
  if (enc === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (enc === 'quoted-printable' || enc === 'quotedprint' || enc === 'qp') {
    const decoded = libqp.decode(body);
    return Buffer.from(decoded.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  }
  return body;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export interface DecodedText {
  text: string;
  /** True when the declared charset was unknown or wrong and we had to guess (public-inbox's warning). */
  mangled: boolean;
}

function isAscii(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] > 0x7f) return false;
  return true;
}

/** UTF-8 if it is valid, else Latin-1, which is what public-inbox ends up showing for such bytes. */
function utf8OrLatin1(buf: Buffer): string {
  try {
    return utf8Strict.decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

/**
 * Decode text in its declared charset. Without a charset parameter we take UTF-8 if valid, else
 * Latin-1 (public-inbox would show raw bytes). An unknown charset, or bytes the charset cannot
 * hold, fall back the same way and are flagged as MsgIter::msg_part_text flags them.
 */
export function decodeCharset(buf: Buffer, charset: string | undefined): DecodedText {
  if (charset === undefined) return { text: utf8OrLatin1(buf), mangled: false };
  const cs = charset.trim().toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') {
    try {
      return { text: utf8Strict.decode(buf), mangled: false };
    } catch {
      return { text: buf.toString('latin1'), mangled: true };
    }
  }
  if (cs === 'us-ascii' || cs === 'ascii') {
    return isAscii(buf) ? { text: buf.toString('latin1'), mangled: false } : { text: utf8OrLatin1(buf), mangled: true };
  }
  const normalized = charsets.normalizeCharset(cs);
  if (!iconv.encodingExists(normalized) && !/^(jis|iso-?2022-?jp|eucjp)/i.test(normalized)) {
    return { text: utf8OrLatin1(buf), mangled: true };
  }
  try {
    return { text: charsets.decode(buf, normalized), mangled: false };
  } catch {
    return { text: utf8OrLatin1(buf), mangled: true };
  }
}
