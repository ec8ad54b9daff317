// Header/body split and header lookup with public-inbox's Eml semantics (lax folding, 100 KiB cap).

/** Postfix's header_size_limit, which public-inbox adopts: larger header blocks are cut at a line end. */
export const HEADER_SIZE_LIMIT = 102400;

export interface SplitMessage {
  /** The header block including the line ending of its last line (empty when there is none). */
  header: Buffer;
  /** Everything after the blank line; null for a header-only message. */
  body: Buffer | null;
  /** Byte offset of the body within the raw message. */
  bodyOffset: number;
  crlf: '\n' | '\r\n';
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text: UTF-8 when valid, else Latin-1, which keeps every byte as one character. */
export function bytesToText(buf: Uint8Array): string {
  try {
    return utf8Strict.decode(buf);
  } catch {
    return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  }
}

function truncateHeader(h: Buffer): Buffer {
  if (h.length <= HEADER_SIZE_LIMIT) return h;
  const cut = h.subarray(0, HEADER_SIZE_LIMIT);
  const end = cut.lastIndexOf(0x0a);
  return end >= 0 ? cut.subarray(0, end + 1) : Buffer.alloc(0);
}

const HEADERISH_LINE = /^[a-z0-9-]+[ \t]*:/im;

/** Split a message where its first blank line is (Eml::new), remembering its line ending. */
export function splitHeaderBody(raw: Buffer): SplitMessage {
  const hasCr = raw.indexOf('\r\n') >= 0;
  if (!hasCr) {
    const pos = raw.indexOf('\n\n');
    if (pos >= 0) {
      return {
        header: truncateHeader(raw.subarray(0, pos + 1)),
        body: raw.subarray(pos + 2),
        bodyOffset: pos + 2,
        crlf: '\n',
      };
    }
  } else {
    const blank = findBlankLine(raw);
    if (blank) {
      return {
        header: truncateHeader(raw.subarray(0, blank.headerEnd)),
        body: raw.subarray(blank.bodyStart),
        bodyOffset: blank.bodyStart,
        crlf: blank.crlf,
      };
    }
  }
  const text = raw.toString('latin1');
  if (HEADERISH_LINE.test(text) && /\r?\n$/.test(text)) {
    return {
      header: truncateHeader(raw.subarray(0, HEADER_SIZE_LIMIT + 1)),
      body: null,
      bodyOffset: raw.length,
      crlf: text.endsWith('\r\n') ? '\r\n' : '\n',
    };
  }
  const nl = text.match(/\r?\n/);
  return { header: Buffer.alloc(0), body: raw, bodyOffset: 0, crlf: nl && nl[0] === '\r\n' ? '\r\n' : '\n' };
}

/** First `\r?\n\r?\n`: the header keeps the first line ending, the body starts after the second. */
function findBlankLine(raw: Buffer): { headerEnd: number; bodyStart: number; crlf: '\n' | '\r\n' } | null {
  let i = raw.indexOf(0x0a);
  while (i >= 0) {
    const next = i + 1;
    if (raw[next] === 0x0a) return { headerEnd: next, bodyStart: next + 1, crlf: '\n' };
    if (raw[next] === 0x0d && raw[next + 1] === 0x0a) return { headerEnd: next, bodyStart: next + 2, crlf: '\r\n' };
    i = raw.indexOf(0x0a, next);
  }
  return null;
}

export interface HeaderField {
  /** Lower-cased field name. */
  name: string;
  /** The value unfolded and trimmed, exactly as header_raw returns it. */
  value: string;
}

/**
 * A line continues the previous field when it has a space or tab before any colon: public-inbox's
 * lax rule, which also swallows malformed lines such as `Foo Bar: x` into the field above.
 */
const CONTINUATION = /^[^:]*?[ \t]/;
const FIELD_START = /^([!-9;-~]+):[ \t]*(.*)$/;

export class HeaderBlock {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[]) {
    this.fields = fields;
  }

  static parse(header: Buffer | string): HeaderBlock {
    const text = typeof header === 'string' ? header : bytesToText(header);
    const fields: HeaderField[] = [];
    let cur: { name: string; lines: string[] } | null = null;
    const flush = () => {
      if (cur) fields.push({ name: cur.name, value: unfold(cur.lines) });
      cur = null;
    };
    for (const rawLine of text.split('\n')) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (cur && CONTINUATION.test(line)) {
        (cur as { lines: string[] }).lines.push(line);
        continue;
      }
      flush();
      const m = FIELD_START.exec(line);
      if (m) cur = { name: m[1].toLowerCase(), lines: [m[2]] };
    }
    flush();
    return new HeaderBlock(fields);
  }

  all(name: string): string[] {
    const out: string[] = [];
    for (const f of this.fields) if (f.name === name) out.push(f.value);
    return out;
  }

  first(name: string): string | undefined {
    for (const f of this.fields) if (f.name === name) return f.value;
    return undefined;
  }
}

/** Each fold (line break plus the next line's indentation) becomes one space, then trim. */
function unfold(lines: string[]): string {
  return lines
    .map((l, i) => (i ? l.replace(/^[ \t]+/, '') : l))
    .join(' ')
    .trim();
}
