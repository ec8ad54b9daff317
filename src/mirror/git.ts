// Running git itself, the only reader of repositories: one-shot commands, output line by line, and
// objects streamed out of `git cat-file --batch` in the order asked for.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export class GitError extends Error {}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Options every run shares: no pager, no prompt for credentials, plain C messages. */
const BASE = ['-c', 'core.pager=cat'];
const ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

const argv = (gitDir: string | null, args: string[]) => [...BASE, ...(gitDir ? ['--git-dir', gitDir] : []), ...args];

function start(
  gitDir: string | null,
  args: string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn('git', argv(gitDir, args), { env: { ...ENV, ...env } });
}

/** What a one-shot command reads on its standard input, and environment variables of its own. */
export interface RunOptions {
  input?: Buffer;
  env?: Record<string, string>;
}

/**
 * Run git with its messages and progress on our standard error (a person watching a clone on a
 * terminal); resolves to its exit status.
 */
export function gitAloud(gitDir: string | null, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', argv(gitDir, args), { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', (e) => reject(new GitError(`cannot run git: ${e.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** What went wrong, in git's words (its last line says it best), for a message to a person. */
export function gitSaid(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1)?.replace(/^(fatal|error): /, '') ?? 'no message';
}

/** Run git and collect what it says, whatever its exit status. */
export function runGit(gitDir: string | null, args: string[], opts: RunOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = start(gitDir, args, opts.env);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
    child.on('error', (e) => reject(new GitError(`cannot run git: ${e.message}`)));
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** Run git; its output as text, or a GitError naming the command and what git said. */
export async function git(gitDir: string | null, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await runGit(gitDir, args, opts);
  if (r.code !== 0) throw new GitError(`git ${args[0]} failed${gitDir ? ` in ${gitDir}` : ''}: ${gitSaid(r.stderr)}`);
  return r.stdout.toString();
}

/** The lines git writes, as it writes them; a GitError at the end if it failed. */
export async function* gitLines(gitDir: string, args: string[]): AsyncGenerator<string> {
  const child = start(gitDir, args);
  child.stdin.end();
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) yield line;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const code = await closed;
  if (code !== 0) throw new GitError(`git ${args[0]} failed in ${gitDir}: ${gitSaid(Buffer.concat(err).toString())}`);
}

/**
 * The lines of `git <second>` reading what `git <first>` writes (`git log -p | git patch-id`), as
 * they come; a GitError at the end if either failed.
 */
export async function* gitPipeLines(gitDir: string, first: string[], second: string[]): AsyncGenerator<string> {
  const [a, b] = [start(gitDir, first), start(gitDir, second)];
  a.stdin.end();
  a.stdout.pipe(b.stdin);
  b.stdin.on('error', () => {});
  const err: Buffer[] = [];
  for (const c of [a, b]) c.stderr.on('data', (d: Buffer) => err.push(d));
  const closed = (c: ChildProcessWithoutNullStreams) =>
    new Promise<number>((resolve) => c.on('close', (code) => resolve(code ?? 1)));
  const codes = Promise.all([closed(a), closed(b)]);
  try {
    for await (const line of createInterface({ input: b.stdout, crlfDelay: Infinity })) yield line;
  } finally {
    for (const c of [a, b]) if (c.exitCode === null) c.kill();
  }
  if ((await codes).some((c) => c !== 0))
    throw new GitError(
      `git ${first[0]} | git ${second[0]} failed in ${gitDir}: ${gitSaid(Buffer.concat(err).toString())}`,
    );
}

/** An object git reported: its header fields, and its bytes when asked for. */
interface ObjectOut {
  oid: string;
  size: number;
  data?: Buffer;
}

/**
 * Objects by id, in the order asked for, from one `git cat-file --batch` (or `--batch-check`,
 * sizes only). Ids are written while answers are read, so neither side waits for the other.
 */
async function* catFile(gitDir: string, oids: AsyncIterable<string> | string[], bodies: boolean) {
  // messages are read in history order, so small caches cost no speed; git's defaults (a 96 MiB
  // delta cache, the whole pack mapped) tripled the ingest's memory for nothing
  const small = [
    '-c',
    'core.deltaBaseCacheLimit=16m',
    '-c',
    'core.packedGitWindowSize=8m',
    '-c',
    'core.packedGitLimit=32m',
  ];
  const child = start(gitDir, [...small, 'cat-file', bodies ? '--batch' : '--batch-check', '--buffer']);
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  let writeError: unknown;
  // a git that died (its error is read below) or that we stopped early closes the pipe
  const stdin = child.stdin;
  stdin.on('error', () => {});
  const writing = (async () => {
    try {
      let lines: string[] = [];
      const flush = async () => {
        if (!stdin.destroyed && !stdin.write(lines.join(''))) {
          await new Promise((r) => {
            stdin.once('drain', r);
            stdin.once('close', r);
          });
        }
        lines = [];
      };
      for await (const oid of oids) {
        if (stdin.destroyed) return;
        lines.push(oid + '\n');
        if (lines.length >= 256) await flush();
      }
      await flush();
      stdin.end();
    } catch (e) {
      writeError = e;
      child.kill();
    }
  })();

  let chunks: Buffer[] = [];
  let have = 0;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    chunks = [all.subarray(n)];
    have -= n;
    return all.subarray(0, n);
  };
  let header: ObjectOut | null = null;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      for (;;) {
        if (!header) {
          const nl = chunks.length === 1 ? chunks[0].indexOf(10) : Buffer.concat(chunks, have).indexOf(10);
          if (nl < 0) break;
          const line = take(nl + 1)
            .toString('latin1')
            .trimEnd();
          const [oid, type, size] = line.split(' ');
          if (type === 'missing' || type === 'ambiguous') throw new GitError(`object ${oid} is ${type} in ${gitDir}`);
          header = { oid, size: Number(size) };
          if (!bodies) {
            yield header;
            header = null;
            continue;
          }
        }
        if (have < header.size + 1) break;
        // copied out of the chunk: a message kept for the store must not pin git's whole read buffer
        const data = Buffer.from(take(header.size + 1).subarray(0, header.size));
        yield { ...header, data };
        header = null;
      }
    }
  } finally {
    if (child.exitCode === null) child.kill();
    await writing;
  }
  if (writeError) throw writeError;
  if (header || have || (await closed) !== 0)
    throw new GitError(`git cat-file failed in ${gitDir}: ${gitSaid(Buffer.concat(err).toString())}`);
}

/** The bytes of each object, in order. */
export async function* objectContents(gitDir: string, oids: AsyncIterable<string> | string[]): AsyncGenerator<Buffer> {
  for await (const o of catFile(gitDir, oids, true)) yield o.data as Buffer;
}

/** The size of each object, in order. */
export async function* objectSizes(gitDir: string, oids: AsyncIterable<string> | string[]): AsyncGenerator<number> {
  for await (const o of catFile(gitDir, oids, false)) yield o.size;
}

/**
 * Whether `git gc --auto` may find something to do: with git's defaults it packs when there are more
 * than gc.autoPackLimit (50) packs, or when objects/17 holds more than 27 loose objects (its sample
 * of 1/256 of gc.auto's 6,700). A fetch or a run of fast-import leaves one pack, or loose objects
 * when it brought fewer than 100 (transfer.unpackLimit). Asked a little before git's own limits
 * (git still decides).
 */
function mayNeedGc(gitDir: string): boolean {
  const count = (dir: string, keep: (f: string) => boolean) => {
    try {
      return readdirSync(join(gitDir, 'objects', dir)).filter(keep).length;
    } catch {
      return 0;
    }
  };
  return count('pack', (f) => f.endsWith('.pack')) > 40 || count('17', (f) => /^[0-9a-f]{38}$/.test(f)) > 20;
}

/**
 * `git gc --auto` (after `config`, options such as `-c gc.autoDetach=false`), started only when git
 * may find something to pack: a run or a fetch that left nothing to pack starts no git for it.
 */
export async function gcAuto(gitDir: string, config: string[] = []): Promise<void> {
  if (mayNeedGc(gitDir)) await git(gitDir, [...config, 'gc', '--auto', '--quiet']);
}
