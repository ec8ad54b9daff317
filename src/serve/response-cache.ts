// Finished responses kept in memory until the store changes: an archive is read far more than it
// is written, so most requests are answered from here. Least recently used entries go first.

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body gzipped, made the first time a client accepts it. */
  gzipped?: Buffer;
  etag: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
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

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  set(key: string, value: CachedResponse): void {
    const size = value.body.length + key.length;
    if (size > this.maxBytes / 8) return;
    this.entries.set(key, value);
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length + (e.gzipped?.length ?? 0) + k.length;
    }
  }

  /** Account for a gzipped body added after the entry was stored. */
  grew(by: number): void {
    this.bytes += by;
  }
}
