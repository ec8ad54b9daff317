// mbox framing both ways: splitting mboxrd/mboxo files into messages, and writing public-inbox's mboxrd.

export type MboxFormat = 'mboxrd' | 'mboxo';

const FROM_LINE = Buffer.from('From ');

/** Remove one level of From-quoting: mboxrd `>*>From ` loses one `>`, mboxo only `>From `. */
export function unescapeFromLines(msg: Buffer, format: MboxFormat): Buffer {
  if (msg.indexOf('>From ') < 0) return msg;
  const re = format === 'mboxrd' ? /^>(>*From )/gm : /^>(From )/gm;
  return Buffer.from(msg.toString('latin1').replace(re, '$1'), 'latin1');
}

/**
 * Splits an mbox byte stream into messages. A `From ` line separates messages only at the start,
 * right after another separator, or after an empty line, and the blank line before the next
 * separator is framing, not content: exactly the rules of ../shared/tools/mbox2fastimport.py,
 * so our stored bytes equal what public-inbox stores for the same file.
 */
export class MboxSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** Offset in `pending` where the current message's first line begins; -1 before the first From line. */
  private msgStart = -1;
  private scanFrom = 0;
  private readonly format: MboxFormat;

  constructor(format: MboxFormat = 'mboxrd') {
    this.format = format;
  }

  /** Feed a chunk; returns the messages completed by it. */
  push(chunk: Buffer): Buffer[] {
    const buf = (this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk);
    const out: Buffer[] = [];
    if (this.msgStart < 0) {
      const first = findFromLine(buf, 0);
      const eol = first < 0 ? -1 : buf.indexOf(0x0a, first);
      if (eol < 0) {
        // text before the first message is not mail; keep only a line that may yet become "From "
        this.pending = buf.subarray(first >= 0 ? first : buf.lastIndexOf(0x0a) + 1);
        return out;
      }
      this.msgStart = this.scanFrom = eol + 1;
    }
    for (;;) {
      const at = findFromLine(buf, this.scanFrom);
      const eol = at < 0 ? -1 : buf.indexOf(0x0a, at);
      if (eol < 0) {
        // a separator may straddle this chunk and the next
        this.scanFrom = at >= 0 ? at : Math.max(this.scanFrom, buf.length - FROM_LINE.length);
        break;
      }
      if (at === this.msgStart || (at - 1 >= this.msgStart && buf[at - 2] === 0x0a)) {
        if (at > this.msgStart) out.push(this.finish(buf.subarray(this.msgStart, at)));
        this.msgStart = eol + 1;
      }
      this.scanFrom = eol + 1;
    }
    if (this.msgStart > 0) {
      // keep only the message in progress
      this.scanFrom -= this.msgStart;
      this.pending = Buffer.from(buf.subarray(this.msgStart));
      this.msgStart = 0;
    }
    return out;
  }

  /** The last message, once the input is exhausted. */
  end(): Buffer[] {
    if (this.msgStart < 0 || this.msgStart >= this.pending.length) return [];
    const last = this.finish(this.pending.subarray(this.msgStart));
    this.pending = Buffer.alloc(0);
    this.msgStart = -1;
    return [last];
  }

  private finish(lines: Buffer): Buffer {
    let raw = unescapeFromLines(Buffer.from(lines), this.format);
    if (raw.length >= 2 && raw[raw.length - 1] === 0x0a && raw[raw.length - 2] === 0x0a)
      raw = raw.subarray(0, raw.length - 1);
    return raw;
  }
}

/** Start of the first line at or after `from` that begins with "From ", or -1. */
function findFromLine(buf: Buffer, from: number): number {
  if (from === 0 && buf.subarray(0, FROM_LINE.length).equals(FROM_LINE)) return 0;
  const j = buf.indexOf('\nFrom ', Math.max(0, from - 1));
  return j < 0 ? -1 : j + 1;
}

const SEPARATOR = 'From mboxrd@z Thu Jan  1 00:00:00 1970';

/**
 * One message in public-inbox's mboxrd framing: the fixed From line, the message with every
 * `>*From ` line quoted once more, and a blank line. Reading it back with mboxrd rules gives the
 * stored bytes exactly (public-inbox also drops Lines/Bytes/Content-Length/Status; we keep them).
 */
export function toMboxrd(raw: Buffer): Buffer {
  const crlf = /^[^\n]*\r\n/.test(raw.subarray(0, 2048).toString('latin1')) ? '\r\n' : '\n';
  let body = raw;
  if (raw.indexOf('From ') >= 0) {
    body = Buffer.from(raw.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
  }
  return Buffer.concat([Buffer.from(SEPARATOR + crlf), body, Buffer.from('\n')]);
}
