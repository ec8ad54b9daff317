// The only better-sqlite3 import: opens the store file with the pragmas both readers and the writer rely on.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from './migrations.js';

export type Db = Database.Database;
/** A prepared statement; typed with its parameters and result where the caller gives them. */
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = Database.Statement<P, R>;

/**
 * The row a statement must find (an aggregate's, a counter's, a row this transaction wrote or
 * read before): without it the store is broken, which is said rather than read as undefined.
 */
export function mustHave<R>(row: R | undefined, what: string): R {
  if (row === undefined) throw new Error(`the store has no ${what}`);
  return row;
}

/** One SQLite file per data directory holds every inbox. */
export const STORE_FILE = 'lorekeeper.sqlite3';

export interface OpenOptions {
  readonly?: boolean;
  /** Page cache size in MiB (the ingest wants more than a web worker). */
  cacheMiB?: number;
  /**
   * Read the store file through a memory map of up to this many MiB instead of read() calls: a
   * process that starts cold and reads much of the store once (an ingest of a few messages sums its
   * epoch's bytes and reads every series to chain them) spends a third less system time.
   */
  mmapMiB?: number;
  /** Hears each step when an older store is upgraded on opening it for writing. */
  log?: (line: string) => void;
}

export function storePath(dataDir: string): string {
  return join(dataDir, STORE_FILE);
}

export function openDatabase(dataDir: string, opts: OpenOptions = {}): Db {
  if (!opts.readonly) mkdirSync(dataDir, { recursive: true });
  const db = new Database(storePath(dataDir), { readonly: !!opts.readonly, fileMustExist: !!opts.readonly });
  // WAL: readers never block the ingest and see only committed batches; NORMAL is durable
  // against a killed process (only an OS crash can lose the last commits).
  if (!opts.readonly) {
    // 32 KiB pages for a new store (an existing one keeps its own): rows of a few kilobytes, as most
    // deflated messages and bodies are, leave less of a page unused than with 4 KiB pages (7% less
    // for the virtualization list), and uncached pages take the same CPU
    db.pragma('page_size = 32768');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma(`cache_size = -${(opts.cacheMiB ?? 64) * 1024}`);
  if (opts.mmapMiB) db.pragma(`mmap_size = ${opts.mmapMiB * 1024 * 1024}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) migrate(db, opts.log);
  return db;
}

export class NoStoreError extends Error {}

/**
 * The store a server reads, upgraded first if an older release wrote it. Serving never creates a
 * store: a mistyped directory is an error naming it, not an empty archive.
 */
export function openStoreToServe(dataDir: string, opts: OpenOptions = {}): Db {
  const path = storePath(dataDir);
  if (!existsSync(path)) {
    throw new NoStoreError(
      `no lorekeeper store at ${path}: ingest mail into it first (lorekeeper ingest --data ${dataDir} ...)`,
    );
  }
  openDatabase(dataDir, { log: opts.log }).close();
  const db = openDatabase(dataDir, { ...opts, readonly: true });
  if (!db.prepare('SELECT count(*) FROM inbox').pluck().get()) {
    db.close();
    throw new NoStoreError(`the store at ${path} holds no inbox: ingest mail into it first`);
  }
  return db;
}
