// A message body as HTML (View::add_text_body): text parts escaped with quotes marked, URLs linked
// and diffs coloured; every other part an attachment line linking to its download.
import { asciiHtml } from './escape.js';
import { linkify } from './linkify.js';
import { ANCHOR_MARK, renderDiff, toAttr, type DiffContext } from './diff-html.js';
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

/** Where a stored body's links begin (the page's prefix goes there later): never in escaped text. */
const HREF_MARK = '\u0001';

/**
 * The version of what renderBodyFragment writes: bodies stored by another version are rendered
 * again rather than read (a renderer change must never leave pages showing the old rendering).
 */
export const BODY_HTML_VERSION = 1;

/** The text of a part as partTextOf gives it (undefined: not shown as text). */
export type PartTextOf = (part: DocPart) => string | undefined;

function render(parts: DocPart[], textOf: PartTextOf, hrefPrefix: string, anchorPrefix: string): string {
  let out = '';
  for (const part of parts) {
    const text = textOf(part);
    if (text === undefined) {
      out += attachmentLine(part, hrefPrefix, false);
      continue;
    }
    if (part.submsg) out += subHeaders(part) + '\n';
    const s = text.replace(/\r+\n/g, '\n');
    let diff: DiffContext | undefined;
    if (/^--- [^\n]+\n\+{3} [^\n]+\n@@ /m.test(s)) {
      diff = { anchorPrefix: anchorPrefix + part.idx.replace(/\./g, '/'), longPaths: [] };
      if (/^diff --git /m.test(s)) diff.anchors = new Set();
    }
    if (part.fn !== undefined || (part.depth > 0 && !part.submsg) || part.mangled) {
      out += attachmentLine(part, hrefPrefix, !!part.mangled) + '\n';
    }
    for (const section of splitQuotes(s)) {
      if (section.quoted) out += `<span\nclass="q">${linkify(section.text)}</span>`;
      else if (diff) out += renderDiff(diff, section.text);
      else out += linkify(section.text);
    }
  }
  return out;
}

/**
 * The body of one message as HTML that does not yet know its page: where links and diff anchors
 * need the message's place on the page, it holds marks. The ingest stores this (it never changes
 * once the message arrived); finishBody() makes it a page's. `textOf` gives the parts' texts: the
 * ingest has them decoded already.
 */
export function renderBodyFragment(parts: DocPart[], textOf: PartTextOf): string {
  return render(parts, textOf, HREF_MARK, ANCHOR_MARK);
}

/**
 * A stored fragment for a page where the message's URL is `mhref` ('' on its own page,
 * '../MID/' where several messages share one, absolute in feeds); undefined where it cannot be
 * finished and the body must be rendered whole: a body with diff anchors under an absolute URL,
 * from which Hval::to_attr makes none (a body without anchors, as most replies are, renders the
 * same under any URL but for its links' prefix).
 */
export function finishBody(fragment: string, mhref: string): Html | undefined {
  const prefix = asciiHtml(mhref);
  if (prefix.includes('//') && fragment.includes(ANCHOR_MARK)) return undefined;
  // anchors are the prefix and the rest escaped as one (Hval::to_attr): with no prefix, the part
  // number (a digit) comes first, and gets to_attr's escaping of a leading non-letter
  const anchor = prefix === '' ? undefined : toAttr(prefix);
  const html = fragment
    .replaceAll(HREF_MARK, prefix)
    .replace(/\u0002(.)/g, (_m, first: string) =>
      anchor === undefined ? `Z${first.charCodeAt(0).toString(16).padStart(2, '0')}` : anchor + first,
    );
  return new Html(html);
}

/**
 * The body of one message. `mhref` (not yet escaped) prefixes attachment links and diff anchors:
 * '' on the message's own page, '../MID/' where several messages share a page.
 */
export function renderBody(parts: DocPart[], raw: () => Buffer, mhref: string): Html {
  const textOf = (part: DocPart) => partTextOf(part, raw);
  return finishBody(renderBodyFragment(parts, textOf), mhref) ?? renderBodyFor(parts, textOf, mhref);
}

/** The body rendered for one URL from the start, with no fragment: what a finished fragment must equal. */
export function renderBodyFor(parts: DocPart[], textOf: PartTextOf, mhref: string): Html {
  return new Html(render(parts, textOf, asciiHtml(mhref), asciiHtml(mhref)));
}
