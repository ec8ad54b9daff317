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
 * Raw bytes parsed right here before the workers start: a run of a few new messages (a cron job,
 * an MDA's one message) takes less CPU parsed inline than starting the workers costs (about 0.35 s
 * for two, against 50 of the virtualization list's messages parsed in 0.1 s).
 */
export const INLINE_BYTES = 1 << 20;

export class ParsePool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private inlineBytes = 0;
  /** Workers are still to be started (no compiled worker file: every message is parsed inline). */
  private startable: boolean;
  private failure: Error | null = null;
  private closing = false;

  constructor(private readonly jobs: number) {
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
    if (this.startable && this.inlineBytes >= INLINE_BYTES) this.start();
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
