// Answers a worker rendered, passed to the server's other workers (through the primary) so that a
// page new mail invalidated is rendered once per server, not once per worker: each worker keeps its
// own response cache, and after every arriving batch each would otherwise render the same pages.
import type { Answer } from './answer.js';

/** What of an answer travels: the header blocks are made again on first use. */
type Travelling = Pick<Answer, 'status' | 'headers' | 'body' | 'etag' | 'compressible' | 'gzipped'>;

/** An answer as it travels between processes (structured clone: Buffers stay Buffers). */
export interface SharedAnswer {
  lk: 'answer';
  key: string;
  /** The newest change-log row the render's snapshot held. */
  seq: number;
  tags: string[];
  answer: Travelling;
}

/** A freshly rendered answer, cached under `key` with `tags`, read in a snapshot holding change `seq`. */
export function sharedAnswer(key: string, a: Answer, tags: readonly string[], seq: number): SharedAnswer {
  const { status, headers, body, etag, compressible, gzipped } = a;
  return { lk: 'answer', key, seq, tags: [...tags], answer: { status, headers, body, etag, compressible, gzipped } };
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
    Buffer.isBuffer(s.answer?.body) &&
    (s.answer.gzipped === undefined || Buffer.isBuffer(s.answer.gzipped))
  );
}

/** The answer to keep. */
export function answerOfShared(s: SharedAnswer): Answer {
  return { ...s.answer };
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
