// One long-running `git fast-import` writing into a bare repository: blobs and commits streamed to
// it as they come (waiting only when the pipe is full), and checkpoints that make git write its
// pack and move the branch, answered with the id of the commit the branch now names.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GitError, gitSaid } from './git.js';

export interface CommitCommand {
  /** The branch, e.g. refs/heads/master. */
  ref: string;
  /** The mark of the blob the tree's single file holds. */
  blob: number;
  /** The file's name in the tree (public-inbox v2: m). */
  path: string;
  /** The parent: a commit id, or the mark of an earlier commit of this run; none starts the branch anew. */
  from?: string | number;
  author: string;
  committer: string;
  message: string;
}

/** Bytes written for git to read before a writer waits for it. */
const MAX_QUEUED = 32 << 20;

export class FastImport {
  private readonly child: ChildProcessWithoutNullStreams;
  private mark = 0;
  private readonly answers: ((line: string) => void)[] = [];
  private failure?: Error;
  private stderr = '';
  private readonly exited: Promise<number>;

  /**
   * `--force`: a branch moved by a run that was killed before its store committed is put back
   * where the caller says it is (the caller holds the store's write lock, so no one else writes).
   */
  constructor(private readonly gitDir: string) {
    this.child = spawn('git', ['--git-dir', gitDir, 'fast-import', '--quiet', '--done', '--force'], {
      env: { ...process.env, LC_ALL: 'C' },
    });
    this.child.stderr.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.child.stdin.on('error', (e) => this.fail(e));
    this.child.on('error', (e) => this.fail(new GitError(`cannot run git fast-import: ${e.message}`)));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        if (code !== 0) this.fail(new GitError(`git fast-import failed in ${gitDir}: ${gitSaid(this.stderr)}`));
        resolve(code ?? 1);
      }),
    );
    // get-mark answers, one line each, in the order asked
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) =>
      this.answers.shift()?.(line),
    );
  }

  private fail(err: Error): void {
    this.failure ??= err;
    // whoever waits for an answer hears the failure instead
    for (const answer of this.answers.splice(0)) answer('');
  }

  /**
   * Send commands; resolves at once while less than MAX_QUEUED bytes wait for git, so that the
   * ingest goes on parsing and storing while git compresses (the checkpoint that ends each batch
   * waits for git anyway), and once git has read them all when more wait.
   */
  private async send(...parts: (string | Buffer)[]): Promise<void> {
    if (this.failure) throw this.failure;
    for (const p of parts) this.child.stdin.write(p);
    if (this.child.stdin.writableLength > MAX_QUEUED) {
      await new Promise<void>((resolve) => {
        // whichever comes first; the other listener goes, or every full pipe would leave one behind
        const go = () => {
          this.child.stdin.off('drain', go);
          this.child.off('close', go);
          resolve();
        };
        this.child.stdin.once('drain', go);
        this.child.once('close', go);
      });
    }
    if (this.failure) throw this.failure;
  }

  /** A blob; returns its mark. */
  async blob(data: Buffer): Promise<number> {
    const mark = ++this.mark;
    await this.send(`blob\nmark :${mark}\ndata ${data.length}\n`, data, '\n');
    return mark;
  }

  /** A commit whose tree is the one file; returns its mark. */
  async commit(c: CommitCommand): Promise<number> {
    const mark = ++this.mark;
    const message = Buffer.from(c.message, 'utf8');
    const from = c.from === undefined ? '' : `from ${typeof c.from === 'number' ? `:${c.from}` : c.from}\n`;
    await this.send(
      `${c.from === undefined ? `reset ${c.ref}\n` : ''}commit ${c.ref}\nmark :${mark}\n`,
      Buffer.from(`author ${c.author}\ncommitter ${c.committer}\ndata ${message.length}\n`, 'utf8'),
      message,
      `\n${from}deleteall\nM 100644 :${c.blob} ${c.path}\n\n`,
    );
    return mark;
  }

  /** Write what was sent (pack, branches); the id of the commit `mark` names. */
  async checkpoint(mark: number): Promise<string> {
    const answer = new Promise<string>((resolve) => this.answers.push(resolve));
    await this.send(`checkpoint\nget-mark :${mark}\n`);
    const id = await answer;
    if (this.failure) throw this.failure;
    if (!/^[0-9a-f]{40}$/.test(id))
      throw new GitError(`git fast-import in ${this.gitDir} answered ${JSON.stringify(id)}`);
    return id;
  }

  /** End the run (what was not checkpointed is written too). */
  async done(): Promise<void> {
    await this.send('done\n');
    this.child.stdin.end();
    await this.exited;
    if (this.failure) throw this.failure;
  }

  /** Stop without writing anything more: what was not checkpointed is lost, branches stay. */
  abort(): void {
    this.child.stdin.destroy();
    this.child.kill('SIGKILL');
  }
}
