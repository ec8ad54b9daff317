// Reading what an inbox's epochs hold with git itself, and what the store holds beside them: the
// tests compare the two commit by commit.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openReader } from './store.js';

export interface EpochCommit {
  epoch: number;
  commit: string;
  author: string;
  committer: string;
  subject: string;
  /** Blob `m`: the raw message. */
  raw: Buffer;
}

export const gitOut = (gitDir: string, ...args: string[]) =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { maxBuffer: 1 << 30 }).toString();

/** The epoch directories of an inbox in a data directory, oldest first. */
export function epochsOf(dataDir: string, inbox: string): { n: number; gitDir: string }[] {
  const dir = join(dataDir, 'inboxes', inbox, 'git');
  return readdirSync(dir)
    .filter((f) => /^\d+\.git$/.test(f))
    .map((f) => ({ n: Number(f.slice(0, -4)), gitDir: join(dir, f) }))
    .sort((a, b) => a.n - b.n);
}

/** Blobs by name (`COMMIT:m`), read by one `git cat-file --batch`. */
function blobs(gitDir: string, names: string[]): Buffer[] {
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
    input: names.join('\n') + '\n',
    maxBuffer: 1 << 30,
  });
  const found: Buffer[] = [];
  for (let at = 0; at < out.length;) {
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString().split(' ')[2]);
    found.push(out.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
  return found;
}

/** Every commit of a repository's master, oldest first, with its message's bytes. */
export function commitsOf(gitDir: string, epoch = 0): EpochCommit[] {
  const log = gitOut(gitDir, 'log', '--reverse', '--format=%H%x00%an <%ae> %at%x00%cn <%ce> %ct%x00%s', 'master');
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\0'));
  const raws = blobs(
    gitDir,
    commits.map(([commit]) => `${commit}:m`),
  );
  return commits.map(([commit, author, committer, subject], i) => ({
    epoch,
    commit,
    author,
    committer,
    subject,
    raw: raws[i],
  }));
}

/** Every commit of an inbox's epochs, epoch after epoch. */
export function inboxCommits(dataDir: string, inbox: string): EpochCommit[] {
  return epochsOf(dataDir, inbox).flatMap((e) => commitsOf(e.gitDir, e.n));
}

/** The raw bytes of the inbox's stored messages, in article order. */
export function storedRaws(dataDir: string, inbox: string): Buffer[] {
  const { db, reader } = openReader(dataDir);
  const id = reader.inbox(inbox)?.id;
  const nums = db
    .prepare('SELECT num FROM msg WHERE inbox_id = ? AND num > 0 ORDER BY num')
    .pluck()
    .all(id) as number[];
  const out = nums.map((n) => reader.raw(n) as Buffer);
  db.close();
  return out;
}

/** The tips the store records for the inbox's epochs. */
export function recordedTips(dataDir: string, inbox: string): Record<number, string> {
  const { db } = openReader(dataDir);
  const rows = db
    .prepare('SELECT e.epoch, e.tip FROM epoch e JOIN inbox i ON i.id = e.inbox_id WHERE i.name = ? ORDER BY e.epoch')
    .all(inbox) as { epoch: number; tip: string }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.epoch, r.tip]));
}
