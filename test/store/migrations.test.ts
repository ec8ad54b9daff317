// Stores written by release 0.1 open in this lorekeeper: upgraded step by step to exactly the tables
// a new store gets, with every message, thread and series they held.
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openDatabase, openStoreToServe, storePath, type Db } from '../../src/store/open-database.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, storeVersion } from '../../src/store/migrations.js';
import { storeDigest } from '../../src/store/digest.js';
import { ingest } from '../../src/ingest/ingest.js';
import { fixture, tempDir } from '../helpers/paths.js';

/**
 * Built by release 0.1 (commit b986d7d) from these fixtures, in this order: virtualization (the
 * vsock replies and the virtio_ring series), then seed 003's copy via qemu-devel, then via kvm.
 */
const RELEASE_0_1 = fixture('stores/release-0.1.sqlite3.gz');
const RELEASE_0_1_INGESTS: { inbox: string; address: string; description?: string; sources: string[] }[] = [
  {
    inbox: 'virtualization',
    address: 'virtualization@lists.linux-foundation.org',
    description: 'Linux virtualization',
    sources: ['vsock-multicid.thread.mbox', 'virtio-ring-cleanup-v2.thread.mbox'],
  },
  { inbox: 'qemu-devel', address: 'qemu-devel@nongnu.org', sources: ['seed-003-qemu-devel.eml'] },
  { inbox: 'kvm', address: 'kvm@vger.kernel.org', sources: ['seed-003-kvm.eml'] },
];

function releaseStore(): string {
  const dir = tempDir();
  writeFileSync(storePath(dir), gunzipSync(readFileSync(RELEASE_0_1)));
  return dir;
}

/** Tables, indexes and their definitions, as SQLite keeps them. */
function schemaOf(db: Db): string[] {
  return (
    db
      .prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
      .all() as { type: string; name: string; sql: string | null }[]
  ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
}

/**
 * A store made now from the same mail, in the same order. Without epochs, as an upgraded store is
 * until its next ingest writes them (from the store: git objects are no store migration's business).
 */
async function freshStore(epochs: boolean): Promise<string> {
  const dir = tempDir();
  for (const i of RELEASE_0_1_INGESTS) {
    await ingest({ dataDir: dir, ...i, sources: i.sources.map(fixture), jobs: 0, epochs: epochs ? undefined : false });
  }
  return dir;
}

describe('store migrations', () => {
  it('number their steps one after another, up to the schema version', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(3 + i));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)?.version ?? 2);
  });

  it("upgrade release 0.1's store to the tables and content of a store made now from the same mail", async () => {
    const old = releaseStore();
    const before = openDatabase(old, { readonly: true });
    expect(storeVersion(before)).toBe(2);
    const messages = before.prepare('SELECT count(*) FROM msg WHERE num > 0').pluck().get();
    before.close();

    const steps: string[] = [];
    const db = openDatabase(old, { log: (l) => steps.push(l) });
    expect(steps).toHaveLength(MIGRATIONS.length);
    expect(storeVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) FROM msg WHERE num > 0').pluck().get()).toBe(messages);

    const fresh = openDatabase(await freshStore(false), { readonly: true });
    expect(schemaOf(db)).toEqual(schemaOf(fresh));
    expect(storeDigest(db)).toBe(storeDigest(fresh));
    db.close();
    fresh.close();

    // the next ingest into each inbox commits its stored messages: then it equals a store whose
    // epochs were written as its mail arrived
    for (const i of RELEASE_0_1_INGESTS) {
      const again = await ingest({ dataDir: old, ...i, sources: i.sources.map(fixture), jobs: 0 });
      expect(again.added).toBe(0);
    }
    const [upgraded, withEpochs] = [openDatabase(old, { readonly: true }), openDatabase(await freshStore(true))];
    expect(storeDigest(upgraded)).toBe(storeDigest(withEpochs));
    upgraded.close();
    withEpochs.close();
  });

  it('assemble and chain the series of a store of schema 7 again, by target', async () => {
    // a store as schema 7 left it: series from before targets counted (here: none at all), no lifecycle
    // tables, none of the Patchwork API's
    const dir = tempDir();
    await ingest({ dataDir: dir, inbox: 'virtualization', sources: [fixture('chain-targets.mbox')], jobs: 0 });
    const fresh = openDatabase(dir, { readonly: true });
    const [digest, schema] = [storeDigest(fresh), schemaOf(fresh)];
    fresh.close();
    const old = openDatabase(dir);
    old.exec(`DELETE FROM series; DELETE FROM series_patch; DELETE FROM series_trailer;
              DROP TABLE patch_state; DROP TABLE applied; DROP TABLE applied_scan;
              DROP TABLE api_user; DROP TABLE api_token; DROP TABLE api_token_inbox; DROP TABLE patch_check;
              DROP TABLE state_change; DROP INDEX msg_from_addr; DROP INDEX series_cover; DROP INDEX series_inbox;
              DROP INDEX series_inbox_ds; PRAGMA user_version = 7`);
    old.close();
    const steps: string[] = [];
    const db = openDatabase(dir, { log: (l) => steps.push(l) });
    expect(steps).toEqual([
      expect.stringContaining('upgrading the store to schema 8'),
      expect.stringContaining('upgrading the store to schema 9'),
      expect.stringContaining('upgrading the store to schema 10'),
    ]);
    expect(schemaOf(db)).toEqual(schema);
    expect(storeDigest(db)).toBe(digest);
    db.close();
  });

  it('leave an upgraded store alone the next time, and refuse a store newer than this release', () => {
    const dir = releaseStore();
    openDatabase(dir).close();
    const steps: string[] = [];
    openDatabase(dir, { log: (l) => steps.push(l) }).close();
    expect(steps).toEqual([]);

    const newer = tempDir();
    copyFileSync(storePath(dir), storePath(newer));
    const db = openDatabase(newer, { readonly: true });
    db.close();
    const raw = openDatabase(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(newer)).toThrow(/newer than this lorekeeper/);
  });

  it('are taken by a server before it reads, and a server never creates a store', () => {
    const dir = releaseStore();
    openStoreToServe(dir).close();
    const db = openDatabase(dir, { readonly: true });
    expect(storeVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
    const missing = join(tempDir(), 'typo');
    expect(() => openStoreToServe(missing)).toThrow(`no lorekeeper store at ${storePath(missing)}`);
    const empty = tempDir();
    openDatabase(empty).close();
    expect(() => openStoreToServe(empty)).toThrow(/holds no inbox/);
  });

  it('apply to a new store in one step', () => {
    const db = openDatabase(tempDir());
    expect(storeVersion(db)).toBe(SCHEMA_VERSION);
    migrate(db);
    db.close();
  });
});
