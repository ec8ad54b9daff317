// The URLs of a repository's remotes, as `git config` reads them. Asked for by every command that
// writes (is this data directory a replica? is this epoch a copy of another archive's?), often of the
// same repository in one process: the answer is kept for as long as the repository's config file
// is the one git last wrote (git replaces the file, through a lock file, on every change).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './git.js';

const known = new Map<string, { stamp: string; urls: Map<string, string> }>();

/** What identifies one version of a file: a rewrite gets a new inode, a new time or a new size. */
function stampOf(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.ino} ${s.mtimeNs} ${s.size}`;
  } catch {
    return undefined;
  }
}

/** Remote name -> URL, for the bare repository `gitDir` (empty: none, as in a repository written here). */
export async function remoteUrls(gitDir: string): Promise<Map<string, string>> {
  const stamp = stampOf(join(gitDir, 'config'));
  const hit = known.get(gitDir);
  if (stamp !== undefined && hit?.stamp === stamp) return hit.urls;
  const out = (await runGit(gitDir, ['config', '--get-regexp', '^remote\\..*\\.url$'])).stdout.toString();
  const urls = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^remote\.(.*)\.url (.*)$/.exec(line);
    if (m) urls.set(m[1], m[2]);
  }
  if (stamp !== undefined) known.set(gitDir, { stamp, urls });
  return urls;
}
