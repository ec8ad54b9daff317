// A message body as HTML (View::add_text_body): text parts escaped with quotes marked, URLs linked
// and diffs coloured; every other part an attachment line linking to its download.
import { asciiHtml } from './escape.js';
import { linkify } from './linkify.js';
import { renderDiff, type DiffContext } from './diff-html.js';
import { splitQuotes } from '../mail/quotes.js';
import { partTextOf, type DocPart } from '../mail/message-doc.js';
import { Html } from './html.js';

/** File names public-inbox puts in attachment URLs as they are (Hval::FN); others become a.txt/a.bin. */
const SAFE_FILENAME = /^[a-zA-Z0-9][a-zA-Z0-9_\-.]+[a-zA-Z0-9]$/;

export function attachmentName(part: DocPart): string {
  if (part.fn !== undefined && SAFE_FILENAME.test(part.fn)) return part.fn;
  return part.ct.replace(/;.*/s, '') === 'text/plain' ? 'a.txt' : 'a.bin';
}

function subHeaders(part: DocPart): string {
  let out = '\n';
  for (const [name, value] of part.subHeaders ?? []) out += `${name}: ${asciiHtml(value)}\n`;
  return out;
}

/** `[-- Attachment #2: Type: text/plain, Size: 156 bytes --]`, linked to the part (attach_link). */
function attachmentLine(part: DocPart, mhref: string, mangled: boolean): string {
  if (part.size === undefined) return '';
  const nl = part.idx === '1' ? '' : '\n';
  const ct = asciiHtml(mangled ? part.ct : part.ct.replace(/;.*/s, ''));
  let out = `${nl}<a\nhref="${mhref}${part.idx}-${asciiHtml(attachmentName(part))}">`;
  if (mangled) out += '[-- Warning: decoded text below may be mangled, UTF-8 assumed --]\n';
  const ts = `Type: ${ct}, Size: ${part.size} bytes`;
  const desc = asciiHtml(part.desc ?? part.fn ?? '');
  out += `[-- Attachment #${part.idx}: ` + (desc === '' ? `${ts} --]` : `${desc} --]\n[-- ${ts} --]`) + '</a>\n';
  if (part.submsg) out += subHeaders(part);
  return out;
}

/**
 * The body of one message. `mhref` prefixes attachment links and diff anchors: '' on the
 * message's own page, '../MID/' where several messages share a page.
 */
export function renderBody(parts: DocPart[], raw: () => Buffer, mhref: string): Html {
  let out = '';
  for (const part of parts) {
    const text = partTextOf(part, raw);
    if (text === undefined) {
      out += attachmentLine(part, mhref, false);
      continue;
    }
    if (part.submsg) out += subHeaders(part) + '\n';
    const s = text.replace(/\r+\n/g, '\n');
    let diff: DiffContext | undefined;
    if (/^--- [^\n]+\n\+{3} [^\n]+\n@@ /m.test(s)) {
      diff = { anchorPrefix: mhref + part.idx.replace(/\./g, '/'), longPaths: [] };
      if (/^diff --git /m.test(s)) diff.anchors = new Set();
    }
    if (part.fn !== undefined || (part.depth > 0 && !part.submsg) || part.mangled) {
      out += attachmentLine(part, mhref, !!part.mangled) + '\n';
    }
    for (const section of splitQuotes(s)) {
      if (section.quoted) out += `<span\nclass="q">${linkify(section.text)}</span>`;
      else if (diff) out += renderDiff(diff, section.text);
      else out += linkify(section.text);
    }
  }
  return new Html(out);
}
