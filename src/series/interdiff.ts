// How a patch changed between two versions of a series, computed from the two mails alone (no git
// tree): the diff of the two patches, with the noise of blob ids and line numbers taken out.
// Lines are compared as small integers by jest's diff-sequences (Myers, linear space).
import diffSequencesModule from 'diff-sequences';
import { bodyParts } from './am-message.js';

// a CommonJS module whose function is its `default` export; Node hands over module.exports,
// bundlers (vitest) the function itself
const diffSequences: typeof diffSequencesModule.default =
  typeof diffSequencesModule === 'function' ? diffSequencesModule : diffSequencesModule.default;

/** Lines of context around each change, as in `git diff`. */
const CONTEXT = 3;

/**
 * A patch as compared across versions: its commit message and its diff, without the diffstat,
 * `index` lines, or the line numbers of hunk headers, which change whenever anything else does.
 */
export function comparable(body: string): string {
  const { message, trailers, basement } = bodyParts(body);
  const diffStart = basement.search(/^diff /m);
  const diff = diffStart >= 0 ? basement.slice(diffStart) : basement;
  const lines = diff
    .split('\n')
    .filter((l) => !/^index [0-9a-f]+\.\.[0-9a-f]+/.test(l))
    .map((l) => l.replace(/^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/, '@@'));
  return [message, ...trailers.map((t) => `${t.name}: ${t.value}`), '---', ...lines].join('\n').replace(/\n*$/, '\n');
}

interface Run {
  /** Start of the common run in a and in b, and its length. */
  a: number;
  b: number;
  n: number;
}

/** Start of each section: the commit message, then one per file of the diff. */
function sectionStarts(lines: string[]): number[] {
  const starts = [0];
  lines.forEach((l, i) => {
    if (i > 0 && l.startsWith('diff --git ')) starts.push(i);
  });
  return starts;
}

/**
 * The runs of lines a and b share, in order, ending with an empty run at both ends. Files are
 * matched first by their `diff --git` lines and diffed one against the other, which keeps a
 * rebased 80-patch series from becoming one huge edit problem.
 */
function commonRuns(a: string[], b: string[]): Run[] {
  const ids = new Map<string, number>();
  const id = (line: string) => {
    let v = ids.get(line);
    if (v === undefined) ids.set(line, (v = ids.size));
    return v;
  };
  const A = a.map(id);
  const B = b.map(id);
  const sa = sectionStarts(a);
  const sb = sectionStarts(b);
  const end = (starts: number[], k: number, len: number) => (k + 1 < starts.length ? starts[k + 1] : len);
  const runs: Run[] = [];
  const diffSection = (ka: number, kb: number) => {
    const a0 = sa[ka];
    const b0 = sb[kb];
    diffSequences(
      end(sa, ka, A.length) - a0,
      end(sb, kb, B.length) - b0,
      (i, j) => A[a0 + i] === B[b0 + j],
      (n, i, j) => runs.push({ a: a0 + i, b: b0 + j, n }),
    );
  };
  // the commit messages always pair; files pair when their headers are the same, in order
  diffSection(0, 0);
  diffSequences(
    sa.length - 1,
    sb.length - 1,
    (i, j) => A[sa[i + 1]] === B[sb[j + 1]],
    (n, i, j) => {
      for (let k = 0; k < n; k++) diffSection(i + 1 + k, j + 1 + k);
    },
  );
  runs.push({ a: a.length, b: b.length, n: 0 });
  return runs;
}

const range = (start: number, len: number) => (len === 1 ? `${start + 1}` : `${len === 0 ? start : start + 1},${len}`);

/** The unified diff between two versions of a patch; '' when they are the same. */
export function interdiff(older: string, newer: string, olderLabel: string, newerLabel: string): string {
  const a = comparable(older).slice(0, -1).split('\n');
  const b = comparable(newer).slice(0, -1).split('\n');
  if (a.length === b.length && a.every((l, i) => l === b[i])) return '';
  // changes lie between consecutive common runs; hunks join changes closer than 2 * CONTEXT
  const runs = commonRuns(a, b);
  const hunks: string[] = [];
  let ai = 0;
  let bi = 0;
  let hunk: { a: number; b: number; lines: string[]; aLen: number; bLen: number } | undefined;
  const flush = () => {
    if (hunk) hunks.push(`@@ -${range(hunk.a, hunk.aLen)} +${range(hunk.b, hunk.bLen)} @@\n${hunk.lines.join('')}`);
    hunk = undefined;
  };
  for (const run of runs) {
    if (run.a > ai || run.b > bi) {
      const lead = hunk ? 0 : Math.min(CONTEXT, ai);
      hunk ??= {
        a: ai - lead,
        b: bi - lead,
        lines: a.slice(ai - lead, ai).map((l) => ` ${l}\n`),
        aLen: lead,
        bLen: lead,
      };
      for (let i = ai; i < run.a; i++) hunk.lines.push(`-${a[i]}\n`);
      for (let j = bi; j < run.b; j++) hunk.lines.push(`+${b[j]}\n`);
      hunk.aLen += run.a - ai;
      hunk.bLen += run.b - bi;
    }
    if (hunk) {
      // the common run after a change: context for it, and for the next change if that is near
      const last = run.a + run.n >= a.length && run.b + run.n >= b.length;
      const keep = run.n <= 2 * CONTEXT && !last ? run.n : Math.min(CONTEXT, run.n);
      for (let k = 0; k < keep; k++) hunk.lines.push(` ${a[run.a + k]}\n`);
      hunk.aLen += keep;
      hunk.bLen += keep;
      if (keep < run.n || last) flush();
    }
    ai = run.a + run.n;
    bi = run.b + run.n;
  }
  flush();
  return `--- ${olderLabel}\n+++ ${newerLabel}\n${hunks.join('')}`;
}
