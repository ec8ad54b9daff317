// Building real stores for tests: the real ingest on real mail, then the real reader.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { StoreReader } from '../../src/store/reader.js';
import { FIXTURES, fixture } from './paths.js';

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

export function openReader(dataDir: string): { db: Db; reader: StoreReader } {
  const db = openDatabase(dataDir, { readonly: true });
  return { db, reader: new StoreReader(db) };
}
