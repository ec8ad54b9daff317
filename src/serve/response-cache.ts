// Finished responses kept in memory until the store changes: an archive is read far more than it
// is written, so most requests are answered from here. Least recently used entries go first, and
// the budget counts what an entry really costs, not just its body.

import type { Answer } from './answer.js';

/**
 * Bytes an entry costs beyond its key, header values and bodies: the Map slot, the entry and
 * header objects, the Buffers' own objects and backing-store bookkeeping. Measured with
 * 200,000 small entries in one process (heap and RSS growth per entry: about 420 bytes).
 */
export const ENTRY_OVERHEAD = 512;

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
}

function costOf(key: string, e: Answer): number {
  let headers = 0;
  for (const k in e.headers) headers += k.length + e.headers[k].length;
  // the headers are kept three times: as set, and in the plain and gzip header blocks
  return ENTRY_OVERHEAD + key.length + 3 * headers + e.etag.length + e.body.length + (e.gzipped?.length ?? 0);
}

export class ResponseCache {
  private readonly entries = new Map<string, { value: Answer; cost: number }>();
  private bytes = 0;
  private generation = -1;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Forget everything when the store's generation moved on. */
  sync(generation: number): void {
    if (generation !== this.generation) {
      this.entries.clear();
      this.bytes = 0;
      this.generation = generation;
    }
  }

  get(key: string): Answer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: Answer): void {
    const cost = costOf(key, value);
    // one entry may not take more than an eighth: a few huge pages must not flush everything else
    if (cost > this.maxBytes / 8) return;
    this.forget(key);
    this.entries.set(key, { value, cost });
    this.bytes += cost;
    this.evict();
  }

  /**
   * Count the gzipped body an entry was given. Entries that are not (or no longer) in the cache
   * are left alone: their bytes were never counted and must not be.
   */
  gzipped(key: string, value: Answer, gzipped: Buffer): void {
    const e = this.entries.get(key);
    if (!e || e.value !== value) return;
    this.bytes += gzipped.length;
    e.cost += gzipped.length;
    this.evict();
  }

  stats(): CacheStats {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes };
  }

  private forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.cost;
  }

  private evict(): void {
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.cost;
    }
  }
}
