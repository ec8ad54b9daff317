// The commits of an epoch, oldest first, and the messages each one adds or removes, read as
// public-inbox's indexer reads them (SearchIdx log2stack): in a v2 epoch a commit adds the message
// in blob `m` and removes the message whose bytes are in blob `d`; in a v1 inbox it adds or
// deletes a file named after the SHA-1 of a Message-ID (a modified file is not a message change).
import { Worker } from 'node:worker_threads';
import { compiledWorker, WORKER_LIMITS } from '../ingest/worker-file.js';
import { GitError, gitLines, objectContents, objectSizes } from './git.js';

export type InboxVersion = 1 | 2;

export interface MessageOp {
  kind: 'add' | 'remove';
  /** The blob holding the message (added, or removed). */
  oid: string;
}

export interface CommitOps {
  commit: string;
  ops: MessageOp[];
}

const OID = '[0-9a-f]{40}(?:[0-9a-f]{24})?';
const COMMIT = new RegExp(`^${OID}$`);
const V2 = new RegExp(`^:\\d{6} 100644 ${OID} (${OID}) [AM]\\t([dm])$`);
const V1_PATH = '[0-9a-f]{2}/[0-9a-f]{38}';
const V1_ADD = new RegExp(`^:000000 100644 ${OID} (${OID}) A\\t${V1_PATH}$`);
const V1_DELETE = new RegExp(`^:100644 000000 (${OID}) ${OID} D\\t${V1_PATH}$`);

function opOf(line: string, version: InboxVersion): MessageOp | undefined {
  if (version === 2) {
    const m = V2.exec(line);
    return m ? { kind: m[2] === 'm' ? 'add' : 'remove', oid: m[1] } : undefined;
  }
  const add = V1_ADD.exec(line);
  if (add) return { kind: 'add', oid: add[1] };
  const del = V1_DELETE.exec(line);
  return del ? { kind: 'remove', oid: del[1] } : undefined;
}

/** The commits of `range` (git revisions, e.g. `TIP` or `LAST..TIP`), oldest first, with their message changes. */
export async function* commitsOf(gitDir: string, version: InboxVersion, range: string[]): AsyncGenerator<CommitOps> {
  let current: CommitOps | undefined;
  const args = ['log', '--reverse', '--raw', '-r', '--no-renames', '--no-abbrev', '--no-color', '--no-notes'];
  for await (const line of gitLines(gitDir, [...args, '--format=%H', ...range, '--'])) {
    if (COMMIT.test(line)) {
      if (current) yield current;
      current = { commit: line, ops: [] };
    } else if (current && line.startsWith(':')) {
      const op = opOf(line, version);
      if (op) current.ops.push(op);
    }
  }
  if (current) yield current;
}

/** Every commit of `range`, gathered: for comparing histories, which are short. */
export async function allCommitsOf(gitDir: string, version: InboxVersion, range: string[]): Promise<CommitOps[]> {
  const out: CommitOps[] = [];
  for await (const c of commitsOf(gitDir, version, range)) out.push(c);
  return out;
}

/** Bytes of the messages the range adds: what reading it will deliver. */
export async function bytesOf(gitDir: string, version: InboxVersion, range: string[]): Promise<number> {
  async function* oids() {
    for await (const c of commitsOf(gitDir, version, range))
      for (const op of c.ops) if (op.kind === 'add') yield op.oid;
  }
  let total = 0;
  for await (const size of objectSizes(gitDir, oids())) total += size;
  return total;
}

export interface CommitMessages {
  commit: string;
  /** Each op with the bytes of its message, in order. */
  ops: (MessageOp & { data: Buffer })[];
}

/**
 * The commits of `range` with the bytes of every message they add or remove, streamed: one
 * `git log` names the objects while one `git cat-file` reads them. Run in a thread of its own
 * (messagesOf): on a thread busy with other work, git would wait on a full pipe.
 */
export async function* messagesHere(
  gitDir: string,
  version: InboxVersion,
  range: string[],
): AsyncGenerator<CommitMessages> {
  // commits named so far whose objects have not all arrived; each is queued before its ids are asked for
  const queue: CommitOps[] = [];
  async function* oids() {
    for await (const c of commitsOf(gitDir, version, range)) {
      queue.push(c);
      for (const op of c.ops) yield op.oid;
    }
  }
  let data: Buffer[] = [];
  const ready = () => queue.length > 0 && queue[0].ops.length === data.length;
  const done = (): CommitMessages => {
    const c = queue.shift() as CommitOps;
    const out = { commit: c.commit, ops: c.ops.map((op, i) => ({ ...op, data: data[i] })) };
    data = [];
    return out;
  };
  for await (const bytes of objectContents(gitDir, oids())) {
    while (ready()) yield done();
    data.push(bytes);
  }
  while (ready()) yield done();
}

/** Bytes read ahead of the ingest, at most: some thousand messages. */
const READ_AHEAD = 16 << 20;

/** Commits posted together by the reader thread, their messages' bytes in one buffer. */
export interface Batch {
  commits: { commit: string; ops: (MessageOp & { length: number })[] }[];
  data: ArrayBuffer;
}

type FromWorker = Batch | { done: true } | { error: string };

/**
 * messagesHere on a worker thread (history-worker.ts), which drains git's output as fast as git
 * writes it, up to READ_AHEAD bytes ahead of what the caller has taken.
 */
export async function* messagesOf(
  gitDir: string,
  version: InboxVersion,
  range: string[],
): AsyncGenerator<CommitMessages> {
  const file = compiledWorker(import.meta.url, 'mirror/history-worker.js');
  if (!file) {
    yield* messagesHere(gitDir, version, range);
    return;
  }
  const worker = new Worker(file, {
    workerData: { gitDir, version, range, readAhead: READ_AHEAD },
    resourceLimits: WORKER_LIMITS,
  });
  const queue: FromWorker[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const arrived = (m: FromWorker | Error) => {
    if (m instanceof Error) failure ??= m;
    else queue.push(m);
    wake?.();
    wake = undefined;
  };
  worker.on('message', arrived);
  worker.on('error', arrived);
  worker.on('exit', (code) => arrived(new GitError(`the git reader stopped (exit ${code})`)));
  try {
    for (;;) {
      const m = queue.shift();
      if (!m) {
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
      } else if ('error' in m) throw new GitError(m.error);
      else if ('done' in m) return;
      else {
        const data = Buffer.from(m.data);
        let at = 0;
        for (const c of m.commits) {
          const ops = c.ops.map(({ kind, oid, length }) => ({ kind, oid, data: data.subarray(at, (at += length)) }));
          yield { commit: c.commit, ops };
        }
        worker.postMessage(data.length);
      }
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
