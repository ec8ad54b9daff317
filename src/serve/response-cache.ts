// Finished answers kept in memory: an archive is read far more than it is written, so most
// requests are answered from here. Each answer is kept with what it depends on (tags: its
// thread, loose subject, series chain, Message-IDs, inbox), and new mail drops only the answers
// depending on something it changed. Least recently used entries go first, and the budget counts
// what an entry really costs, not just its body.
import type { Answer } from './answer.js';

/**
 * Bytes an entry costs beyond its key, header values, tags and bodies: the Map slot, the entry and
 * header objects, the Buffers' own objects and backing-store bookkeeping. Measured with 200,000
 * small entries (npm run bench:abuse): about 430 bytes of heap and 570 of RSS each.
 */
export const ENTRY_OVERHEAD = 512;

/** The tag of an answer that any change may alter (the default: nothing said what it depends on). */
export const ANY_CHANGE = '*';
/** The tag of an answer about every inbox at once (the listing, /all/): any inbox's change. */
export const ANY_INBOX = 'i*';

/** Characters of the keys of answers new mail dropped that are remembered at most (the newest kept). */
export const MAX_DROPPED_CHARS = 1 << 20;

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
}

interface Entry {
  value: Answer;
  cost: number;
  tags: readonly string[];
}

function costOf(key: string, e: Answer, tags: readonly string[]): number {
  let headers = 0;
  for (const k in e.headers) headers += k.length + e.headers[k].length;
  const tagBytes = tags.reduce((n, t) => n + t.length + 48, 0);
  // the headers are kept three times: as set, and in the plain and gzip header blocks
  return (
    ENTRY_OVERHEAD + key.length + 3 * headers + tagBytes + e.etag.length + e.body.length + (e.gzipped?.length ?? 0)
  );
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  /** Tag -> keys of the entries carrying it. */
  private readonly byTag = new Map<string, Set<string>>();
  private bytes = 0;
  private readonly maxBytes: number;
  /** Keys of the answers new mail dropped lately, oldest first, until they are kept again. */
  private readonly dropped = new Set<string>();
  private droppedChars = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(key: string): Answer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Whether new mail dropped the answer kept under the key (lately), and none has been kept since. */
  droppedByChange(key: string): boolean {
    return this.dropped.has(key);
  }

  /** Whether an answer is kept under the key (without making it the most recently used). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: Answer, tags: readonly string[] = [ANY_CHANGE]): void {
    const cost = costOf(key, value, tags);
    // one entry may not take more than an eighth: a few huge pages must not flush everything else
    if (cost > this.maxBytes / 8) return;
    this.unremember(key);
    this.forget(key);
    this.entries.set(key, { value, cost, tags });
    for (const t of tags) {
      let keys = this.byTag.get(t);
      if (!keys) this.byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
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

  /** Drop the answers depending on any of these change-log keys ('everything': all of them). */
  invalidate(changed: ReadonlySet<string> | 'everything'): void {
    if (changed === 'everything') {
      for (const key of this.entries.keys()) this.remember(key);
      this.entries.clear();
      this.byTag.clear();
      this.bytes = 0;
      return;
    }
    const drop = (tag: string) => {
      for (const key of this.byTag.get(tag) ?? []) {
        this.forget(key);
        this.remember(key);
      }
    };
    drop(ANY_CHANGE);
    let inboxChanged = false;
    for (const tag of changed) {
      drop(tag);
      if (tag.startsWith('i')) inboxChanged = true;
    }
    if (inboxChanged) drop(ANY_INBOX);
  }

  stats(): CacheStats {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes };
  }

  private remember(key: string): void {
    this.unremember(key);
    this.dropped.add(key);
    this.droppedChars += key.length;
    for (const oldest of this.dropped) {
      if (this.droppedChars <= MAX_DROPPED_CHARS) break;
      this.unremember(oldest);
    }
  }

  private unremember(key: string): void {
    if (this.dropped.delete(key)) this.droppedChars -= key.length;
  }

  private forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.cost;
    for (const t of e.tags) {
      const keys = this.byTag.get(t);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(t);
    }
  }

  private evict(): void {
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(k);
    }
  }
}
