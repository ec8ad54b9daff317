// Diffs in a body: which lines are file names, removals, additions, context and hunk headers
// (SearchIdx::index_diff), and the per-file counts a diffstat needs.

/** Does this text hold a diff worth looking at (SearchIdx: a line starting `diff `, `--- ` or `+++ `)? */
export function looksLikeDiff(text: string): boolean {
  return /^(?:diff|---|\+\+\+) /m.test(text);
}

export interface DiffFile {
  /** Path after the change (before it, for deletions). */
  path: string;
  /** Path before a rename or copy, when different. */
  oldPath?: string;
  added: number;
  removed: number;
}

export interface DiffTerms {
  /** Lines outside any diff, to be indexed as ordinary unquoted text. */
  nq: string[];
  /** File names touched (XDFN). */
  dfn: string[];
  /** Removed lines without their '-' (XDFA). */
  dfa: string[];
  /** Added lines without their '+' (XDFB). */
  dfb: string[];
  /** Context lines (XDFCTX). */
  dfctx: string[];
  /** The function context after `@@ ... @@` (XDFHH). */
  dfhh: string[];
  /** Abbreviated blob ids from `index a..b` lines (XDFPRE, XDFPOST). */
  dfpre: string[];
  dfpost: string[];
}

/** Base85 lines of a `GIT binary patch` literal, skipped rather than indexed. */
const BASE85 = /^[a-zA-Z0-9!#$%&()*+\-;<=>?@^_`{|}~]+$/;

/** Undo git's C-style quoting of a path ("a/caf\303\251" -> a/café). */
export function gitUnquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s;
  const inner = s.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = inner[++i];
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
    if (n !== undefined && n in simple) bytes.push(simple[n]);
    else if (n !== undefined && /[0-7]/.test(n)) {
      const oct = inner.slice(i, i + 3);
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else if (n !== undefined) bytes.push(n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Drop the `a/` or `b/` (any first component) from a diff path. */
function stripPrefix(p: string): string {
  const unq = gitUnquote(p);
  const i = unq.indexOf('/');
  return i >= 0 ? unq.slice(i + 1) : unq;
}

/**
 * Sort a body's lines into diff fields the way public-inbox indexes them, quirks included: after
 * `+++ /dev/null` it stops treating lines as diff, as SearchIdx::index_diff does.
 */
export function diffTerms(text: string): DiffTerms {
  const t: DiffTerms = { nq: [], dfn: [], dfa: [], dfb: [], dfctx: [], dfhh: [], dfpre: [], dfpost: [] };
  const seen = new Set<string>();
  const addName = (fn: string) => {
    if (!seen.has(fn)) {
      seen.add(fn);
      t.dfn.push(fn);
    }
  };
  // Perl's $in_diff: undef, a true/false flag, or an old-style `--- name` awaiting its `+++`
  let inDiff: undefined | boolean | string;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if (inDiff && l.startsWith('GIT binary patch')) {
      t.nq.push(l);
      while (i + 1 < lines.length && /^(?:literal|delta) /.test(lines[i + 1])) {
        t.nq.push(lines[++i]);
        while (i + 1 < lines.length && (BASE85.test(lines[i + 1]) || !/\S/.test(lines[i + 1]))) i++;
      }
    } else if (inDiff && l.startsWith(' ')) {
      t.dfctx.push(l.slice(1));
    } else if (l === '-- ') {
      inDiff = undefined;
    } else if ((m = /^diff --git ("?[^/]+\/.+) ("?[^/]+\/.+)$/.exec(l))) {
      t.nq.push(l);
      inDiff = true;
      addName(stripPrefix(m[1]));
      addName(stripPrefix(m[2]));
    } else if ((m = /^diff -(.+) (\S+) (\S+)$/.exec(l))) {
      t.nq.push(l);
      if (/[uU]/.test(m[1])) inDiff = commonTail(m[2], m[3], addName);
    } else if ((m = /^--- ("?[^/]+\/.+)/.exec(l)) || (m = /^\+\+\+ ("?[^/]+\/.+)/.exec(l))) {
      addName(stripPrefix(m[1]));
      inDiff = true;
    } else if ((m = /^--- (\S+)/.exec(l))) {
      inDiff = m[1];
      t.nq.push(l);
    } else if (inDiff !== undefined && (m = /^\+\+\+ (\S+)/.exec(l))) {
      inDiff = commonTail(inDiff === true ? '1' : inDiff === false ? '0' : inDiff, m[1], addName);
    } else if (inDiff && l.startsWith('+')) {
      t.dfb.push(l.slice(1));
    } else if (inDiff && l.startsWith('-')) {
      t.dfa.push(l.slice(1));
    } else if ((m = /^index ([a-f0-9]+)\.\.([a-f0-9]+)/.exec(l))) {
      t.dfpre.push(m[1]);
      t.dfpost.push(m[2]);
      inDiff = true;
    } else if (/^@@ \S+ \S+ @@\s*$/.test(l)) {
      // a hunk header without function context adds nothing
    } else if ((m = /^@@ \S+ \S+ @@\s*(\S+.*)$/.exec(l))) {
      t.dfhh.push(m[1]);
    } else if (DIFF_HEADER_LINE.test(l)) {
      t.nq.push(l);
    } else if (l !== '') {
      t.nq.push(l);
      inDiff = undefined;
    }
  }
  return t;
}

const DIFF_HEADER_LINE =
  /^(?:(?:dis)?similarity index|(?:old|new) mode|(?:deleted|new) file mode|(?:copy|rename) (?:from|to) |\\ No newline at end of file|Binary files .* differ)/;

/** Old-style `diff -u a b` names: index the longest common trailing path (index_old_diff_fn). */
function commonTail(fa: string, fb: string, addName: (f: string) => void): boolean {
  const pa = fa.split('/');
  const pb = fb.split('/');
  while (pa.length && pb.length) {
    const a = pa.join('/');
    if (a === pb.join('/')) {
      addName(a);
      return true;
    }
    pa.shift();
    pb.shift();
  }
  return false;
}

/** Files a diff touches with their added and removed line counts, read by hunk lengths like git apply. */
export function diffFiles(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let fromGitHeader = false;
  let oldLeft = 0;
  let newLeft = 0;
  for (const l of text.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      const c = l[0];
      if (c === ' ' || l === '') {
        oldLeft--;
        newLeft--;
        continue;
      }
      if (c === '-' && file) {
        file.removed++;
        oldLeft--;
        continue;
      }
      if (c === '+' && file) {
        file.added++;
        newLeft--;
        continue;
      }
      if (c === '\\') continue;
      oldLeft = newLeft = 0;
    }
    let m: RegExpExecArray | null;
    if ((m = /^diff --git ("?[^/]+\/.+) ("?[^/]+\/.+)$/.exec(l))) {
      const oldPath = stripPrefix(m[1]);
      file = { path: stripPrefix(m[2]), added: 0, removed: 0 };
      if (oldPath !== file.path) file.oldPath = oldPath;
      files.push(file);
      fromGitHeader = true;
    } else if ((m = /^rename to (.+)$/.exec(l)) && file) {
      file.path = gitUnquote(m[1]);
    } else if ((m = /^--- (\S+)/.exec(l))) {
      if (!fromGitHeader) {
        file = { path: m[1] === '/dev/null' ? '' : stripPrefix(m[1]), added: 0, removed: 0 };
        files.push(file);
      }
    } else if ((m = /^\+\+\+ (\S+)/.exec(l)) && file) {
      if (!fromGitHeader && m[1] !== '/dev/null') file.path = stripPrefix(m[1]);
      fromGitHeader = false;
    } else if ((m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(l))) {
      oldLeft = m[1] === undefined ? 1 : Number(m[1]);
      newLeft = m[2] === undefined ? 1 : Number(m[2]);
    }
  }
  return files.filter((f) => f.path !== '');
}
