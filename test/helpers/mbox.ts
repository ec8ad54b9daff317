// Test mail as the ingest reads it: whole mbox files split into raw messages, and written back.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MboxSplitter, toMboxrd } from '../../src/mail/mboxrd.js';
import { FIXTURES, tempDir } from './paths.js';

/** The bytes of an mbox file, gunzipped when its name ends in .gz. */
export function mboxBytes(path: string): Buffer {
  return path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
}

export function readMbox(path: string): Buffer[] {
  const s = new MboxSplitter();
  return [...s.push(mboxBytes(path)), ...s.end()];
}

/** The message whose X-Case header names this hostile-sample case. */
export function hostileCase(messages: Buffer[], name: string): Buffer {
  const m = messages.find((b) => b.includes(`\nX-Case: ${name}\n`));
  if (!m) throw new Error(`no hostile case ${name}`);
  return m;
}

/** Every message of the fixtures' mail, each with the file it is in: the real threads, seeds, samples. */
export function fixtureMail(): { file: string; raw: Buffer }[] {
  return readdirSync(FIXTURES)
    .filter((f) => /\.(mbox|mbox\.gz|eml)$/.test(f))
    .sort()
    .flatMap((file) =>
      (file.endsWith('.eml') ? [readFileSync(join(FIXTURES, file))] : readMbox(join(FIXTURES, file))).map((raw) => ({
        file,
        raw,
      })),
    );
}

/** Messages written to a new mboxrd file, for an ingest to read; its path. */
export function writeMbox(msgs: Buffer[]): string {
  const path = join(tempDir(), 'part.mbox');
  writeFileSync(path, Buffer.concat(msgs.map(toMboxrd)));
  return path;
}
