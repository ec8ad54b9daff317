// A source tree a patch series applies to, rebuilt from the series alone: every line a hunk
// reads (context and removed lines) is placed where the hunk says it is in the file before the
// series, following the earlier patches' changes; lines no hunk reads become unique fillers. So
// `git am` can apply a real kernel series in a repository built for the test, with no kernel tree.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Entry = { base: number } | { text: string };

interface FileModel {
  /** Path of the file before the series, or null if a patch created it. */
  origin: string | null;
  lines: Entry[];
  nextBase: number;
}

interface Hunk {
  oldStart: number;
  oldCount: number;
  lines: string[];
}

interface FilePatch {
  from: string | null;
  to: string | null;
  hunks: Hunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/;

/** The file patches of one message body, in order. */
function filePatches(body: string): FilePatch[] {
  const out: FilePatch[] = [];
  const lines = body.split('\n');
  let cur: FilePatch | undefined;
  let hunk: Hunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of lines) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      if (line.startsWith('\\')) continue; // "\ No newline at end of file"
      const tag = line[0] ?? ' ';
      hunk.lines.push(line === '' ? ' ' : line);
      if (tag !== '+') oldLeft--;
      if (tag !== '-') newLeft--;
      continue;
    }
    hunk = undefined;
    const git = /^diff --git a\/(\S+) b\/(\S+)$/.exec(line);
    if (git) {
      cur = { from: git[1], to: git[2], hunks: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line === '--- /dev/null') cur.from = null;
    else if (line === '+++ /dev/null') cur.to = null;
    else if (line.startsWith('GIT binary patch')) throw new Error('binary patches are not supported');
    const h = HUNK.exec(line);
    if (h) {
      hunk = { oldStart: Number(h[1]), oldCount: h[2] === undefined ? 1 : Number(h[2]), lines: [] };
      const n = /\+\d+(?:,(\d+))? @@/.exec(line)!;
      oldLeft = hunk.oldCount;
      newLeft = n[1] === undefined ? 1 : Number(n[1]);
      cur.hunks.push(hunk);
    }
  }
  return out;
}

/** Bodies of an mbox's messages (git am's "From " framing, no quoting). */
export function mboxBodies(mbox: string): string[] {
  return mbox
    .split(/^From git@z .*\n/m)
    .filter(Boolean)
    .map((m) => m.slice(m.indexOf('\n\n') + 2));
}

/** Files (path to content) the patches of `mbox` apply to, in order, with `git am`. */
export function fakeBase(mbox: string): Map<string, string> {
  const files = new Map<string, FileModel>();
  const known = new Map<string, Map<number, string>>();
  const baseFile = (path: string): FileModel => {
    const f = files.get(path);
    if (f) return f;
    if (known.has(path)) throw new Error(`${path} was deleted and is patched again`);
    known.set(path, new Map());
    const made = { origin: path, lines: [], nextBase: 0 };
    files.set(path, made);
    return made;
  };
  for (const body of mboxBodies(mbox)) {
    for (const fp of filePatches(body)) {
      let model: FileModel;
      if (fp.from === null) {
        model = { origin: null, lines: [], nextBase: 0 };
      } else {
        model = baseFile(fp.from);
        files.delete(fp.from);
      }
      let delta = 0;
      for (const h of fp.hunks) {
        const at = (h.oldCount === 0 ? h.oldStart : h.oldStart - 1) + delta;
        while (model.lines.length < at + h.oldCount) {
          if (model.origin === null) throw new Error('a hunk reads past the end of a new file');
          model.lines.push({ base: model.nextBase++ });
        }
        const old = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => l.slice(1));
        old.forEach((text, i) => {
          const e = model.lines[at + i];
          if ('base' in e) known.get(model.origin!)!.set(e.base, text);
          else if (e.text !== text) throw new Error(`inconsistent context in ${fp.from}: ${JSON.stringify(text)}`);
        });
        const added = h.lines.filter((l) => l[0] === ' ' || l[0] === '+').map((l) => ({ text: l.slice(1) }));
        model.lines.splice(at, h.oldCount, ...added);
        delta += added.length - h.oldCount;
      }
      if (fp.to !== null) files.set(fp.to, model);
    }
  }
  const out = new Map<string, string>();
  for (const [path, lines] of known) {
    const model = [...files.values()].find((f) => f.origin === path);
    const length = Math.max(model?.nextBase ?? 0, ...[...lines.keys()].map((i) => i + 1));
    const text: string[] = [];
    for (let i = 0; i < length; i++) text.push(lines.get(i) ?? `filler line ${i + 1} of ${path}`);
    out.set(path, text.join('\n') + '\n');
  }
  return out;
}

/** A git repository (made in `dir`, with `env`'s identity) whose one commit is the series' base. */
export function baseRepo(dir: string, mbox: string, env: Record<string, string | undefined> = process.env): string {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env });
  git('init', '-q', '-b', 'master');
  for (const [path, text] of fakeBase(mbox)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  return dir;
}
