#!/usr/bin/env node
// `npm start`: ingests the bundled fixtures into ./data (the first time only), then serves them
// on http://127.0.0.1:8080 (PORT and HOST override).
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingest } from '../dist/ingest/ingest.js';
import { storePath } from '../dist/store/open-database.js';
import { startServer } from '../dist/serve/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env.LOREKEEPER_DATA ?? join(root, 'data');
if (!existsSync(storePath(data))) {
  const inboxes = JSON.parse(readFileSync(join(root, 'fixtures', 'inboxes.json'), 'utf8'));
  for (const ib of inboxes) {
    const s = await ingest({
      dataDir: data,
      inbox: ib.name,
      address: ib.address,
      description: ib.description,
      sources: ib.sources.map((f) => join(root, 'fixtures', f)),
    });
    process.stderr.write(`ingested ${ib.name}: ${s.added} messages\n`);
  }
}
const { url } = await startServer({
  dataDir: data,
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8080),
  logger: true,
});
process.stderr.write(`lorekeeper: serving the fixtures on ${url}/\n`);
