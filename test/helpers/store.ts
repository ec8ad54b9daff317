// Building real stores for tests: the real ingest on real mail, then the real reader.
import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { openDatabase, storePath, type Db } from '../../src/store/open-database.js';
import { StoreReader } from '../../src/store/reader.js';
import { storeDigest } from '../../src/store/digest.js';
import { FIXTURES, fixture, tempDir } from './paths.js';

export interface FixtureInbox {
  name: string;
  address: string;
  description: string;
  sources: string[];
}

export const FIXTURE_INBOXES: FixtureInbox[] = JSON.parse(readFileSync(join(FIXTURES, 'inboxes.json'), 'utf8'));

export async function ingestFixtures(dataDir: string): Promise<IngestSummary[]> {
  const out: IngestSummary[] = [];
  for (const ib of FIXTURE_INBOXES) {
    out.push(
      await ingest({
        dataDir,
        inbox: ib.name,
        address: ib.address,
        description: ib.description,
        sources: ib.sources.map(fixture),
        jobs: 2,
      }),
    );
  }
  return out;
}

/**
 * A data directory of its own holding the fixtures as ingestFixtures leaves them: a copy of the store
 * test/helpers/global-setup.ts ingested once for the run (for tests about what is served, not about
 * the ingest itself).
 */
export function fixtureStore(): string {
  const dir = tempDir('lk-fixtures-');
  cpSync(inject('fixtureStore'), dir, { recursive: true });
  return dir;
}

/** What `lorekeeper digest` prints for a store (without its newline): read here, not by another process. */
export function digestOf(dataDir: string): string {
  const db = openDatabase(dataDir, { readonly: true });
  try {
    return storeDigest(db);
  } finally {
    db.close();
  }
}

/** The digest of a store as if it held no record of git epochs and upstream: the mail alone. */
export function mailDigestOf(dataDir: string): string {
  const copy = tempDir();
  copyFileSync(storePath(dataDir), storePath(copy));
  const db = openDatabase(copy);
  db.exec('DELETE FROM epoch; DELETE FROM upstream; DELETE FROM epoch_log');
  try {
    return storeDigest(db);
  } finally {
    db.close();
  }
}

export function openReader(dataDir: string): { db: Db; reader: StoreReader } {
  const db = openDatabase(dataDir, { readonly: true });
  return { db, reader: new StoreReader(db) };
}
