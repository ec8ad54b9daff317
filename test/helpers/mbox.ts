// Test mail as the ingest reads it: whole mbox files split into raw messages, and written back.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MboxSplitter, toMboxrd } from '../../src/mail/mboxrd.js';
import { tempDir } from './paths.js';

export function readMbox(path: string): Buffer[] {
  const data = path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
  const s = new MboxSplitter();
  return [...s.push(data), ...s.end()];
}

/** The message whose X-Case header names this hostile-sample case. */
export function hostileCase(messages: Buffer[], name: string): Buffer {
  const m = messages.find((b) => b.includes(`\nX-Case: ${name}\n`));
  if (!m) throw new Error(`no hostile case ${name}`);
  return m;
}

/** Messages written to a new mboxrd file, for an ingest to read; its path. */
export function tempMbox(msgs: Buffer[]): string {
  const path = join(tempDir(), 'part.mbox');
  writeFileSync(path, Buffer.concat(msgs.map(toMboxrd)));
  return path;
}
