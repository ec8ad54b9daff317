// HTML escaping as public-inbox's ascii_html does it: markup characters as numeric entities,
// control characters made visible, everything outside ASCII as decimal character references,
// so pages are pure 7-bit ASCII whatever the mail contained.

const CONTROL_NAMES: Record<number, string> = {
  0x00: '\\0',
  0x07: '\\a',
  0x08: '\\b',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x1b: '^[',
  0x7f: '\\x7f',
};

const NEEDS_WORK = /[<>&'"\x00-\x08\x0b-\x1f\x7f-\uffff]/;

export function asciiHtml(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x3c) out += '&lt;';
    else if (c === 0x3e) out += '&gt;';
    else if (c === 0x26) out += '&#38;';
    else if (c === 0x27) out += '&#39;';
    else if (c === 0x22) out += '&#34;';
    else if (c === 0x09 || c === 0x0a) out += ch;
    // C1 controls too: HTML reads &#128;..&#159; as Windows-1252 letters, not as the controls
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += CONTROL_NAMES[c] ?? '\\x' + c.toString(16).padStart(2, '0');
    else if (c > 0x7f) out += `&#${c};`;
    else out += ch;
  }
  return out;
}

/** Text for an HTML attribute or element that must not span lines. */
export function asciiHtmlLine(s: string): string {
  return asciiHtml(s.replace(/[\r\n]+/g, ' '));
}
