// Runs processRaw on worker threads (or inline with jobs = 0); results come back as promises.
import { Worker } from 'node:worker_threads';
import { processRaw, type Processed } from './process-raw.js';
import { fromWire } from './wire.js';
import { compiledWorker, WORKER_LIMITS } from './worker-file.js';

interface Pending {
  resolve: (p: Processed) => void;
  reject: (e: Error) => void;
}

/**
 * Raw bytes parsed right here before the workers start. Workers never save CPU, only wall time on a
 * large input, and starting them costs 0.2-0.35 s of CPU: the runs of new mail a live archive
 * takes (an MDA's one message, a cron job's hundred) cost less parsed inline. 100 messages of
 * the virtualization list (1.35 MB) into a store of the rest, `--jobs 1`, three runs each: 1.51-1.66
 * s of CPU and 1.29-1.41 s of wall time with the worker started past 1 MiB, against 1.13-1.29 s and
 * 1.10-1.25 s with this budget. A whole list's ingest, which parses its first 4 MiB on one thread,
 * took no longer: the virtualization list, two alternating runs each, 68.4 and 49.4 s with 1 MiB,
 * 61.6 and 48.2 s with 4 MiB (this machine's noise).
 */
export const INLINE_BYTES = 4 << 20;

export class ParsePool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private inlineBytes = 0;
  /** Workers are still to be started (no compiled worker file: every message is parsed inline). */
  private startable: boolean;
  private failure: Error | null = null;
  private closing = false;

  /** `inlineBudget`: INLINE_BYTES but in tests of the pool itself. */
  constructor(
    private readonly jobs: number,
    private readonly inlineBudget = INLINE_BYTES,
  ) {
    this.startable = jobs > 0;
  }

  /** Whether the pool's workers run (they start once the inline bytes are spent). */
  get started(): boolean {
    return this.workers.length > 0;
  }

  private start(): void {
    this.startable = false;
    const file = compiledWorker(import.meta.url, 'ingest/parse-worker.js');
    if (!file) return;
    for (let i = 0; i < this.jobs; i++) {
      const worker = new Worker(file, { resourceLimits: WORKER_LIMITS });
      const slot = { worker, busy: 0 };
      worker.on('message', ({ seq, value }: { seq: number; value: Processed }) => {
        slot.busy--;
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        p?.resolve(fromWire(value));
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`parse worker exited with code ${code}`));
      });
      this.workers.push(slot);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** A worker failed: the pool takes nothing more (a caller that keeps one makes another). */
  get broken(): boolean {
    return this.failure !== null;
  }

  /** Analyze one raw message; with no workers it runs right here. */
  submit(raw: Buffer): Promise<Processed> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.startable && this.inlineBytes >= this.inlineBudget) this.start();
    if (!this.workers.length) {
      this.inlineBytes += raw.length;
      return Promise.resolve(processRaw(raw));
    }
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const seq = ++this.seq;
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    slot.busy++;
    return new Promise<Processed>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      slot.worker.postMessage({ seq, raw: copy }, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }
}
