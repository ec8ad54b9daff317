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

/** The escape of one UTF-16 unit or code point `c` that needs one. */
function escapeOf(c: number): string {
  if (c === 0x3c) return '&lt;';
  if (c === 0x3e) return '&gt;';
  if (c === 0x26) return '&#38;';
  if (c === 0x27) return '&#39;';
  if (c === 0x22) return '&#34;';
  // C1 controls too: HTML reads &#128;..&#159; as Windows-1252 letters, not as the controls
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return CONTROL_NAMES[c] ?? '\\x' + c.toString(16).padStart(2, '0');
  return `&#${c};`;
}

/**
 * Bodies are escaped whole, so this goes by runs: characters that stay as they are are copied a
 * run at a time, and code points (a surrogate pair is one; a lone surrogate is one too) escaped.
 */
export function asciiHtml(s: string): string {
  if (!NEEDS_WORK.test(s)) return s;
  let out = '';
  let run = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (
      c >= 0x20
        ? c < 0x7f && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x27 && c !== 0x22
        : c === 0x09 || c === 0x0a
    )
      continue;
    if (run < i) out += s.slice(run, i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    out += escapeOf(c);
    run = i + 1;
  }
  return out + s.slice(run);
}

/** Text for an HTML attribute or element that must not span lines. */
export function asciiHtmlLine(s: string): string {
  return asciiHtml(s.replace(/[\r\n]+/g, ' '));
}
