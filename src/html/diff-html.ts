// Diffs in message bodies, coloured and cross-linked as public-inbox's ViewDiff does: header, hunk,
// added and removed runs in spans, and each diffstat line linked to its file's diff and back.
import { linkify } from './linkify.js';
import { asciiHtml } from './escape.js';
import { Html } from './html.js';
import { gitUnquote } from '../mail/diff.js';

const FN = String.raw`(?:"?[^/\n]+/[^\n]+|/dev/null)`;
const OID = '[a-f0-9]{7,}';
/** One file's diff header; its captures are the blob ids and the two paths. */
const EXTRACT_DIFFS = new RegExp(
  String.raw`((?:(?:^diff --git ${FN} ${FN}\n)(?:^[a-z][^\n]+\n)*)?^index (${OID})\.\.(${OID})[^\n]*\n^--- (${FN})\n^\+{3} (${FN})\n)`,
  'm',
);
const IS_OID = new RegExp(`^${OID}$`);
const HUNK_PIECES = /((?:(?:^\+[^\n]*\n)+)|(?:(?:^-[^\n]*\n)+)|(?:^@@ [^\n]+\n))/m;
const DIFFSTAT_COMMENT = /(?: *\((?:new|gone|(?:(?:new|mode) [+-][lx]))\))? *$/;

/** An id for HTML anchors from a path (Hval::to_attr): letters first, '/' as ':', the rest hex-escaped. */
export function toAttr(str: string): string | undefined {
  if (str.includes('//')) return undefined;
  const bytes = Buffer.from(str, 'utf8');
  let out = '';
  let i = 0;
  if (bytes.length && !/[A-Ya-z]/.test(String.fromCharCode(bytes[0]))) {
    out += 'Z' + bytes[0].toString(16).padStart(2, '0');
    i = 1;
  }
  for (; i < bytes.length; i++) {
    const c = String.fromCharCode(bytes[i]);
    if (/[A-Za-z0-9_.-]/.test(c)) out += c;
    else if (c === '/') out += ':';
    else out += '::' + bytes[i].toString(16).padStart(2, '0');
  }
  return out;
}

export interface DiffContext {
  /** Anchor prefix: the part's position, so anchors never collide across parts or messages. */
  anchorPrefix: string;
  /** Present when the part has git diffs: diffstat lines get anchors their diffs link back to. */
  anchors?: Set<string>;
  longPaths: string[];
}

function stripAB(p: string): string {
  if (p === '/dev/null') return p;
  const unq = gitUnquote(p);
  const i = unq.indexOf('/');
  return i >= 0 ? unq.slice(i + 1) : unq;
}

/** A diffstat line's path linked to its diff (anchor0). */
function diffstatLine(ctx: DiffContext, fnRaw: string, rest: string): string | undefined {
  const orig = fnRaw;
  let fn = fnRaw.replace(DIFFSTAT_COMMENT, '');
  const renamed = /\{(?:.+) => (.+)\}/.exec(fn);
  if (renamed) fn = fn.replace(/\{(?:.+) => (.+)\}/, '$1');
  else fn = fn.replace(/.* => (.+)/, '$1');
  fn = gitUnquote(fn);
  if (/^\.\.\.\/?/.test(fn)) {
    fn = fn.replace(/^\.\.\.\/?/, '');
    ctx.longPaths.push(fn);
  }
  const attr = toAttr(ctx.anchorPrefix + fn);
  if (attr === undefined) return undefined;
  ctx.anchors!.add(attr);
  const spaces = /( +)$/.exec(orig)?.[1] ?? '';
  const label = spaces ? orig.slice(0, -spaces.length) : orig;
  return ` <a\nid=i${attr}\nhref=#${attr}>${asciiHtml(label)}</a>${spaces}${linkify(rest)}`;
}

/** The `diff --git` of a file whose diffstat line was anchored links back to it (anchor1). */
function diffLink(ctx: DiffContext, pb: string): string | undefined {
  if (!ctx.anchors) return undefined;
  let attr = toAttr(ctx.anchorPrefix + pb);
  if (attr === undefined) return undefined;
  if (!ctx.anchors.delete(attr)) {
    const fn = ctx.longPaths.shift();
    if (fn === undefined || !pb.endsWith(fn)) return undefined;
    attr = toAttr(ctx.anchorPrefix + fn);
    if (attr === undefined || !ctx.anchors.delete(attr)) return undefined;
  }
  return `<a\nhref=#i${attr}\nid=${attr}>diff</a> --git`;
}

/** Text around diffs: the commit message, the `---` separator and a diffstat with anchors. */
function beforeOrAfter(ctx: DiffContext, text: string): string {
  let out = '';
  let separatorSeen = false;
  for (const y of text.split(/(^---\n)/m)) {
    if (y === '---\n') {
      out += y;
      separatorSeen = true;
    } else if (ctx.anchors && separatorSeen && /^ [0-9]+ files? changed, /m.test(y)) {
      for (const l of y.split(/(?<=\n)/)) {
        const m = /^ (.+)( +\| [\s\S]*)$/.exec(l);
        out += (m && diffstatLine(ctx, m[1], m[2])) || linkify(l);
      }
    } else out += linkify(y);
  }
  return out;
}

/** Render one text section holding diffs (flush_diff). */
export function renderDiff(ctx: DiffContext, text: string): string {
  const top = text.split(EXTRACT_DIFFS);
  let out = '';
  let inDiff = false;
  for (let i = 0; i < top.length; i++) {
    const x = top[i] ?? '';
    if (top.length - i - 1 >= 4 && IS_OID.test(top[i + 1] ?? '') && IS_OID.test(top[i + 2] ?? '')) {
      const pb = stripAB(top[i + 4]);
      i += 4;
      const head = linkify(x).replace(/^diff --git/m, () => diffLink(ctx, pb) ?? 'diff --git');
      out += `<span\nclass="head">${head}</span>`;
      inDiff = true;
    } else if (inDiff) {
      let after = '';
      for (const s of x.split(HUNK_PIECES)) {
        if (!s) continue;
        if (!inDiff) after += s;
        else if (s.startsWith('@@ ')) {
          const m = /^@@ (\S+) (\S+) @@([\s\S]*)$/.exec(s);
          out += m
            ? `<span\nclass="hunk">@@ ${asciiHtml(m[1])} ${asciiHtml(m[2])} @@${linkify(m[3])}</span>`
            : linkify(s);
        } else if (s[0] === '+') out += `<span\nclass="add">${linkify(s)}</span>`;
        else if (/^-- $/m.test(s.split('\n')[0])) {
          inDiff = false; // a signature: the diff is over
          after += s;
        } else if (s[0] === '-') out += `<span\nclass="del">${linkify(s)}</span>`;
        else out += linkify(s);
      }
      if (!inDiff) out += beforeOrAfter(ctx, after);
    } else out += beforeOrAfter(ctx, x);
  }
  return out;
}

/** A unified diff made here (copies of a message, versions of a patch), coloured line by line. */
export function renderUnifiedDiff(text: string): Html {
  let out = '';
  for (const line of text.split(/(?<=\n)/)) {
    const cls = line.startsWith('@@')
      ? 'hunk'
      : line.startsWith('+++') || line.startsWith('---')
        ? 'head'
        : line[0] === '+'
          ? 'add'
          : line[0] === '-'
            ? 'del'
            : '';
    out += cls ? `<span\nclass="${cls}">${asciiHtml(line)}</span>` : asciiHtml(line);
  }
  return new Html(out);
}
