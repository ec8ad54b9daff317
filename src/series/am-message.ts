// A patch as `b4 am` writes it for `git am`: the commit message with the collected trailers added
// after its own (b4's get_body_parts, fix_trailers and rebuild_message), the diff untouched.
import { findTrailers, type Trailer } from '../mail/trailers.js';

export interface BodyParts {
  /** In-body headers (From:, Subject:, Date:) git am takes the author from. */
  headers: Trailer[];
  message: string;
  trailers: Trailer[];
  /** Everything after the `---` line: notes, diffstat and the diff. */
  basement: string;
  signature: string;
}

/** The same trailer, case aside (b4 compares them so). */
export const sameTrailer = (a: Trailer, b: Trailer) =>
  a.name.toLowerCase() === b.name.toLowerCase() && a.value.toLowerCase() === b.value.toLowerCase();

/** Split a patch body the way b4 does (LoreMessage.get_body_parts). */
export function bodyParts(body: string): BodyParts {
  let b = body.replace(/\r/g, '').replace(/^\n+|\n+$/g, '');
  let signature = '';
  const sig = b.lastIndexOf('\n-- \n');
  if (sig >= 0) {
    signature = b.slice(sig + 5);
    b = b.slice(0, sig).replace(/\n+$/, '');
  }
  let basement = '';
  let head = b;
  const sep = /^---\n/m.exec(b);
  if (sep) {
    head = b.slice(0, sep.index);
    basement = b.slice(sep.index + 4).replace(/\n+$/, '');
  } else {
    const d = b.indexOf('\ndiff ');
    if (d >= 0) {
      head = b.slice(0, d);
      basement = b.slice(d + 1).replace(/\n+$/, '');
    }
  }
  const paras = head.replace(/^\n+|\n+$/g, '').split('\n\n');
  let headers: Trailer[] = [];
  const parts: string[] = [];
  // findTrailers always reports the empty line after the text, so b4 never takes the first
  // paragraph as in-body headers; kept literal for the same result
  const first = findTrailers(paras[0], false);
  if (first.others.length) parts.push(paras[0]);
  else headers = first.trailers;
  const last = findTrailers(paras[paras.length - 1], false);
  if (paras.length === 1) {
    const same = headers.length === last.trailers.length && headers.every((h, i) => sameTrailer(h, last.trailers[i]));
    return {
      headers: same ? [] : headers,
      message: last.others.join('\n'),
      trailers: last.trailers,
      basement,
      signature,
    };
  }
  parts.push(...paras.slice(1, -1));
  if (last.others.length) parts.push(last.others.join('\n'));
  return { headers, message: parts.join('\n\n'), trailers: last.trailers, basement, signature };
}

const asString = (t: Trailer, withExt = true) =>
  `${t.name}: ${t.value}${withExt && t.extinfo ? (t.extinfo.trimStart().startsWith('#') ? t.extinfo : `\n${t.extinfo}`) : ''}`;

/** The body with `extra` trailers after the patch's own, unless already there (fix_trailers). */
export function bodyWithTrailers(body: string, extra: Trailer[]): string {
  const parts = bodyParts(body);
  const all = [...parts.trailers];
  for (const t of extra) if (!all.some((x) => sameTrailer(x, t))) all.push(t);
  let out = '';
  if (parts.headers.length) out += parts.headers.map((t) => asString(t, false)).join('\n') + '\n\n';
  if (parts.message.length) {
    out += parts.message.replace(/[\r\n]+$/, '') + '\n';
    if (all.length) out += '\n';
  }
  for (const t of all) out += asString(t) + '\n';
  if (parts.basement.length) {
    if (!all.length) out += '\n';
    out += '---\n' + parts.basement.replace(/[\r\n]+$/, '') + '\n';
  }
  if (parts.signature.length) out += '-- \n' + parts.signature.replace(/[\r\n]+$/, '') + '\n';
  return out;
}

/** Text after git's scissors line (-- >8 --), which git am drops everything before. */
export function afterScissors(body: string): string {
  const m = /^[ \t]*(?:-+ *>8 *-+|-+ *8< *-+)[^\n]*\n/m.exec(body);
  return m ? body.slice(m.index + m[0].length) : body;
}
