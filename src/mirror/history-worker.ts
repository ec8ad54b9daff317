// Worker thread entry: reads a range of an epoch's history (history.ts messagesHere) and posts
// its commits in batches, their messages' bytes in one transferred buffer, waiting when the
// reader is too far behind.
import { parentPort, workerData } from 'node:worker_threads';
import { messagesHere, type Batch, type InboxVersion } from './history.js';

if (!parentPort) throw new Error('history-worker must run as a worker thread');
const port = parentPort;
const { gitDir, version, range, readAhead } = workerData as {
  gitDir: string;
  version: InboxVersion;
  range: string[];
  readAhead: number;
};
/** A batch goes at this many bytes (or commits): few buffers to hand over, none kept waiting long. */
const BATCH_BYTES = 1 << 20;
const BATCH_COMMITS = 256;

/** Bytes posted and not yet taken by the reader (it posts back how many it took). */
let ahead = 0;
let resume: (() => void) | undefined;
port.on('message', (taken: number) => {
  ahead -= taken;
  if (ahead < readAhead) resume?.();
});

let commits: Batch['commits'] = [];
let chunks: Buffer[] = [];
let bytes = 0;
function post(): void {
  // a buffer of its own, so that transferring it takes nothing else along
  const data = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const c of chunks) at += c.copy(data, at);
  port.postMessage({ commits, data: data.buffer }, [data.buffer as ArrayBuffer]);
  ahead += bytes;
  [commits, chunks, bytes] = [[], [], 0];
}

try {
  for await (const c of messagesHere(gitDir, version, range)) {
    commits.push({
      commit: c.commit,
      ops: c.ops.map((op) => ({ kind: op.kind, oid: op.oid, length: op.data.length })),
    });
    for (const op of c.ops) {
      chunks.push(op.data);
      bytes += op.data.length;
    }
    if (bytes >= BATCH_BYTES || commits.length >= BATCH_COMMITS) post();
    if (ahead >= readAhead) await new Promise<void>((r) => (resume = r));
  }
  if (commits.length) post();
  port.postMessage({ done: true });
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
