// Answers a worker rendered, passed to the server's other workers (through the primary) so that a
// page new mail invalidated is rendered once per server, not once per worker: each worker keeps its
// own response cache, and after every arriving batch each would otherwise render the same pages.
import type { Answer } from './answer.js';

/** An answer as it travels between processes (structured clone: Buffers stay Buffers). */
export interface SharedAnswer {
  lk: 'answer';
  key: string;
  /** The newest change-log row the render's snapshot held. */
  seq: number;
  tags: string[];
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  etag: string;
  compressible: boolean;
  gzipped?: Buffer;
}

/** A freshly rendered answer, cached under `key` with `tags`, read in a snapshot holding change `seq`. */
export function sharedAnswer(key: string, a: Answer, tags: readonly string[], seq: number): SharedAnswer {
  const { status, headers, body, etag, compressible, gzipped } = a;
  return { lk: 'answer', key, seq, tags: [...tags], status, headers, body, etag, compressible, gzipped };
}

/** Whether an IPC message is a shared answer (workers hear other messages too). */
export function isSharedAnswer(m: unknown): m is SharedAnswer {
  const s = m as Partial<SharedAnswer> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.lk === 'answer' &&
    typeof s.key === 'string' &&
    typeof s.seq === 'number' &&
    Array.isArray(s.tags) &&
    Buffer.isBuffer(s.body)
  );
}

/** The answer to keep (its header blocks are made again on first use). */
export function answerOfShared(s: SharedAnswer): Answer {
  const { status, headers, body, etag, compressible, gzipped } = s;
  return { status, headers, body, etag, compressible, gzipped: Buffer.isBuffer(gzipped) ? gzipped : undefined };
}

/**
 * Whether a worker may keep an answer another worker rendered: only when it has taken into account
 * exactly the changes the render's snapshot held. A worker further on may have dropped that page
 * for a change the render did not see; one behind would drop it on its next sync for a change
 * the render already shows (so it syncs first).
 */
export function mayKeep(s: SharedAnswer, syncedSeq: number): boolean {
  return s.seq === syncedSeq;
}
