// Real public-inbox inboxes for the mirror tests, built and changed with Debian's public-inbox 1.9
// (init, index, mda, learn, edit, purge, httpd) in a HOME of their own, never the user's. Epochs
// are filled with `git fast-import` as ../shared/tools/pi-reference fills them: one commit per
// message, the message in blob `m` (v2) or in a file named by its Message-ID's SHA-1 (v1).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './paths.js';
import { have } from './programs.js';

export const PI_TOOLS = [
  'public-inbox-init',
  'public-inbox-index',
  'public-inbox-mda',
  'public-inbox-learn',
  'public-inbox-edit',
  'public-inbox-purge',
  'public-inbox-httpd',
  'git',
];

/** Whether every tool is there; the suites needing them skip, saying which is missing. */
export function havePublicInbox(): boolean {
  const missing = PI_TOOLS.filter((t) => !have(t));
  if (missing.length) console.warn(`skipped: ${missing.join(', ')} not installed (apt-get install public-inbox git)`);
  return !missing.length;
}

/** A change to an epoch as public-inbox writes it: a message added, or one added earlier removed. */
export type EpochOp = { add: Buffer } | { remove: number };

const header = (raw: Buffer, name: string): string | undefined => {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\n\n'))).toString('utf8');
  return new RegExp(`^${name}:[ \\t]*(.*(?:\\n[ \\t].*)*)`, 'im').exec(head)?.[1].replace(/\s+/g, ' ').trim();
};

/** The Message-ID public-inbox files a v1 message under. */
export const firstMid = (raw: Buffer) => /<([^>]+)>/.exec(header(raw, 'Message-ID') ?? '')?.[1] ?? '';

/**
 * A fast-import stream of these changes: for v2 each commit replaces `m` (a removal writes the
 * removed message to `d` and deletes `m`, as public-inbox-learn does); for v1 each message is a file.
 */
export function fastImport(ops: EpochOp[], version: 1 | 2): Buffer {
  const out: Buffer[] = [];
  const put = (s: string | Buffer) => out.push(typeof s === 'string' ? Buffer.from(s) : s);
  const added: { mark: number; path: string }[] = [];
  let mark = 0;
  let when = 1_600_000_000;
  /** Whether the tree holds a `d` (the last commit was a removal). */
  let d = false;
  for (const op of ops) {
    when += 60;
    let who = 'public-inbox <public-inbox@example.org>';
    let subject = 'rm';
    let change: string;
    if ('add' in op) {
      const raw = op.add;
      put(`blob\nmark :${++mark}\ndata ${raw.length}\n`);
      put(raw);
      put('\n');
      const sha1 = createHash('sha1').update(firstMid(raw)).digest('hex');
      const path = version === 2 ? 'm' : `${sha1.slice(0, 2)}/${sha1.slice(2)}`;
      added.push({ mark, path });
      const from = header(raw, 'From') ?? '';
      const addr = /<([^>\s]+)>/.exec(from)?.[1] ?? (/\S+@\S+/.exec(from)?.[0] || 'unknown@example.org');
      const name =
        from
          .replace(/<[^>]*>/, '')
          .replace(/["<>\n]/g, '')
          .trim() || addr;
      who = `${name} <${addr}>`;
      subject = header(raw, 'Subject') ?? '';
      change = version === 2 ? `${d ? 'D d\n' : ''}M 100644 :${mark} m\n` : `M 100644 :${mark} ${path}\n`;
      d = false;
    } else {
      const gone = added[op.remove];
      change = version === 2 ? `M 100644 :${gone.mark} d\nD m\n` : `D ${gone.path}\n`;
      d = true;
    }
    const message = Buffer.from(subject + '\n');
    put(`commit refs/heads/master\nauthor ${who} ${when} +0000\ncommitter ${who} ${when} +0000\n`);
    put(`data ${message.length}\n`);
    put(message);
    put(change + '\n');
  }
  return Buffer.concat(out);
}

/** A bare repository holding these changes. */
export function buildRepo(gitDir: string, ops: EpochOp[], version: 1 | 2): void {
  rmSync(gitDir, { recursive: true, force: true });
  execFileSync('git', ['init', '-q', '--bare', gitDir]);
  execFileSync('git', ['--git-dir', gitDir, 'fast-import', '--quiet'], { input: fastImport(ops, version) });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Httpd {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  stop(): Promise<void>;
}

/** public-inbox's tools with a HOME and configuration of their own. */
export class PublicInboxHome {
  readonly home = tempDir('lk-pi-');
  readonly env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOME: this.home,
    PI_CONFIG: join(this.home, '.public-inbox', 'config'),
  };

  run(cmd: string, args: string[], input?: Buffer, extraEnv: Record<string, string> = {}): string {
    return execFileSync(cmd, args, {
      env: { ...this.env, ...extraEnv },
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  }

  /** A new inbox NAME holding these changes, indexed; returns its directory. */
  inbox(name: string, version: 1 | 2, ops: EpochOp[]): string {
    const dir = join(this.home, name);
    this.run('public-inbox-init', [`-V${version}`, name, dir, `http://example.org/${name}`, `${name}@example.org`]);
    this.run('git', ['config', '-f', this.env.PI_CONFIG, 'publicinboxmda.spamcheck', 'none']);
    buildRepo(version === 2 ? join(dir, 'git', '0.git') : dir, ops, version);
    this.run('public-inbox-index', [dir]);
    return dir;
  }

  /** Deliver a message as the mail server would (to the inbox with that address). */
  mda(address: string, raw: Buffer): void {
    this.run('public-inbox-mda', ['--no-precheck'], raw, { ORIGINAL_RECIPIENT: address });
  }

  /** public-inbox-learn rm: a commit removing the message. */
  learnRm(raw: Buffer): void {
    this.run('public-inbox-learn', ['--all', 'rm'], raw);
  }

  /** public-inbox-edit: the message with `from` replaced by `to`, the history rewritten. */
  edit(inboxDir: string, mid: string, from: string, to: string): void {
    const editor = join(this.home, 'editor');
    writeFileSync(editor, `#!/bin/sh\nexec perl -pi -e 's/\\Q$ENV{EDIT_FROM}\\E/$ENV{EDIT_TO}/' "$1"\n`);
    chmodSync(editor, 0o755);
    this.run('public-inbox-edit', ['-m', mid, inboxDir], undefined, { EDITOR: editor, EDIT_FROM: from, EDIT_TO: to });
  }

  /** public-inbox-purge: the message's blob emptied throughout the history. */
  purge(raw: Buffer): void {
    this.run('public-inbox-purge', ['--all'], raw);
  }

  /** public-inbox-httpd serving every inbox made so far, on a free loopback port. */
  async serve(probe: string): Promise<Httpd> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    mkdirSync(join(this.home, 'run'), { recursive: true });
    const child: ChildProcess = spawn('public-inbox-httpd', ['-l', url], { env: this.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}${probe}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error(`public-inbox-httpd did not answer ${url}${probe}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      url,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
}
