// Test mail as the ingest reads it: whole mbox files split into raw messages, and written back.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MboxSplitter, toMboxrd } from '../../src/mail/mboxrd.js';
import { bytesToText } from '../../src/mail/headers.js';
import { MimeEntity, eachPart } from '../../src/mail/mime.js';
import { partText } from '../../src/mail/part-text.js';
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
export function tempMbox(msgs: Buffer[]): string {
  const path = join(tempDir(), 'part.mbox');
  writeFileSync(path, Buffer.concat(msgs.map(toMboxrd)));
  return path;
}

/**
 * Every distinct line of the fixtures' mail, read as text (UTF-8 where valid, else Latin-1): headers,
 * bodies, quoted replies, diffs, the hostile sample's payloads.
 */
export function fixtureLines(): string[] {
  const lines = new Set<string>();
  for (const { raw } of fixtureMail()) for (const line of bytesToText(raw).split('\n')) lines.add(line);
  return [...lines];
}

/** Every text part of the fixtures' mail, decoded as pages show it: the messages' own words. */
export function fixtureTexts(): { file: string; raw: Buffer; text: string }[] {
  return fixtureMail().flatMap(({ file, raw }) =>
    eachPart(MimeEntity.parse(raw)).flatMap(({ entity }) => {
      const { text } = partText(entity);
      return text === undefined ? [] : [{ file, raw, text }];
    }),
  );
}
