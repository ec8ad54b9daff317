// Runs processRaw on worker threads (or inline with jobs = 0); results come back as promises.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processRaw, type Processed } from './process-raw.js';
import { fromWire } from './wire.js';

/** A small young generation keeps each worker's garbage, and so the ingest's RSS, bounded. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

interface Pending {
  resolve: (p: Processed) => void;
  reject: (e: Error) => void;
}

/** The compiled worker; running from TypeScript sources (tests) uses the build in dist/. */
function workerFile(): string | null {
  const here = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../dist/ingest/parse-worker.js', import.meta.url));
  return existsSync(built) ? built : null;
}

export class ParsePool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(jobs: number) {
    const file = jobs > 0 ? workerFile() : null;
    if (!file) return;
    for (let i = 0; i < jobs; i++) {
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

  /** Analyze one raw message; with no workers it runs right here. */
  submit(raw: Buffer): Promise<Processed> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.workers.length) return Promise.resolve(processRaw(raw));
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
