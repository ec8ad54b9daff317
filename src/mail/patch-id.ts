// `git patch-id --stable` in TypeScript, so `patchid:` search and version matching need no git at run time.
import { createHash } from 'node:crypto';

const HEX40 = /^[0-9a-f]{40}/;

/** Hunk lengths from `@@ -a,b +c,d @@`; a missing length means 1, as in git's scan_hunk_header. */
function scanHunkHeader(line: string): [number, number] | null {
  const m = /^@@ -\d*(?:,(\d*))? \+\d*(?:,(\d*))?/.exec(line);
  if (!m) return null;
  return [m[1] === undefined ? 1 : Number(m[1] || 0), m[2] === undefined ? 1 : Number(m[2] || 0)];
}

/** Add one file's digest into the running sum, byte by byte with carry (flush_one_hunk). */
function addInto(sum: Uint8Array, text: string): void {
  const digest = createHash('sha1').update(text, 'utf8').digest();
  let carry = 0;
  for (let i = 0; i < 20; i++) {
    carry += sum[i] + digest[i];
    sum[i] = carry & 0xff;
    carry >>= 8;
  }
}

/**
 * The stable patch id of the first patch in `text` (a commit message followed by its diff), or
 * null when there is no diff. Whitespace and line numbers do not count; file order does not either.
 */
export function patchId(text: string): string | null {
  const sum = new Uint8Array(20);
  // one file's squeezed lines, hashed when the file ends (hashing line by line is slower)
  let file = '';
  let patchLen = 0;
  let before = -1;
  let after = -1;
  for (const rawLine of text.split('\n')) {
    const line = rawLine;
    if (line.startsWith('\\ ') && line.length + 1 > 12) continue;
    const rest = line.startsWith('commit ') ? line.slice(7) : line.startsWith('From ') ? line.slice(5) : line;
    if (HEX40.test(rest)) break; // the next commit begins
    if (!patchLen && !line.startsWith('diff ')) continue; // commit message
    if (before === -1) {
      if (line.startsWith('index ')) continue;
      if (line.startsWith('--- ')) before = after = 1;
      else if (!/^[A-Za-z]/.test(line)) break;
    }
    if (before === 0 && after === 0) {
      if (line.startsWith('@@ -')) {
        const counts = scanHunkHeader(line);
        if (counts) [before, after] = counts;
        continue;
      }
      if (!line.startsWith('diff ')) break; // the patch is over
      addInto(sum, file);
      file = '';
      before = after = -1;
    }
    const c = line[0];
    if (c === '-' || c === ' ') before--;
    if (c === '+' || c === ' ') after--;
    const squeezed = line.replace(/[ \t\n\v\f\r]/g, '');
    patchLen += squeezed.length;
    file += squeezed;
  }
  if (!patchLen) return null;
  addInto(sum, file);
  return Buffer.from(sum).toString('hex');
}
