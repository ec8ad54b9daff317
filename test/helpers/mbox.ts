// Reading test mail the way the ingest does: whole mbox files split into raw messages.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MboxSplitter } from '../../src/mail/mboxrd.js';

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
