// The commits of an epoch, oldest first, and the messages each one adds or removes, read as
// public-inbox's indexer reads them (SearchIdx log2stack): in a v2 epoch a commit adds the message
// in blob `m` and removes the message whose bytes are in blob `d`; in a v1 inbox it adds or
// deletes a file named after the SHA-1 of a Message-ID (a modified file is not a message change).
import { gitLines, objectContents, objectSizes } from './git.js';

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
 * `git log` names the objects while one `git cat-file` reads them.
 */
export async function* messagesOf(
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
