// How the store keeps bytes: raw messages, rendered bodies and reading models are deflated with
// dictionaries (codec 2), give back exactly what they were given, take fewer bytes than codec 1, and
// rows written with codec 1 by an older release still read.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateRawSync, gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { compressRaw, decompressRaw, RAW_CODEC } from '../../src/store/raw-codec.js';
import { compressHtml, decompressHtml } from '../../src/store/html-codec.js';
import { decodeDoc, docJson, encodeDoc } from '../../src/mail/message-doc.js';
import { analyzeWithParts } from '../../src/mail/analyze.js';
import { renderBodyFragment } from '../../src/html/body-html.js';
import { fixtureMail } from '../helpers/mbox.js';
import { fixture, tempDir } from '../helpers/paths.js';

const mail = fixtureMail().filter(({ raw }) => raw.length > 0);

/** The rows release 0.1 wrote (codec 1) of the virtualization fixtures and seed 003. */
function releaseRows(): { sha256: Buffer; size: number; codec: number; data: Buffer; doc: Buffer | null }[] {
  const file = `${tempDir()}/release.sqlite3`;
  writeFileSync(file, gunzipSync(readFileSync(fixture('stores/release-0.1.sqlite3.gz'))));
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT b.sha256, b.size, b.codec, b.data, m.doc FROM msg m JOIN blob b ON b.id = m.blob_id')
      .all() as { sha256: Buffer; size: number; codec: number; data: Buffer; doc: Buffer | null }[];
  } finally {
    db.close();
  }
}

const total = (bufs: Buffer[]) => bufs.reduce((n, b) => n + b.length, 0);

describe('the store codecs', () => {
  const release = releaseRows();

  it('read the raw messages and docs release 0.1 wrote with codec 1', () => {
    expect(release.length).toBeGreaterThan(20);
    for (const r of release) {
      expect(r.codec).toBe(1);
      const raw = decompressRaw(r.data, r.codec);
      expect(raw.length).toBe(r.size);
      expect(createHash('sha256').update(raw).digest().equals(r.sha256)).toBe(true);
      if (r.doc) expect(docJson(r.doc).equals(docJson(encodeDoc(decodeDoc(r.doc))))).toBe(true);
    }
  });

  it('keep raw messages byte for byte with codec 2, in a tenth fewer bytes than codec 1', () => {
    expect(RAW_CODEC).toBe(2);
    for (const { raw } of mail) expect(decompressRaw(compressRaw(raw), RAW_CODEC).equals(raw)).toBe(true);
    const again = release.map((r) => compressRaw(decompressRaw(r.data, r.codec)));
    expect(total(again)).toBeLessThan(0.9 * total(release.map((r) => r.data)));
  });

  it('keep reading models in half the bytes of codec 1', () => {
    const docs = release.flatMap((r) => (r.doc ? [r.doc] : []));
    const again = docs.map((d) => encodeDoc(decodeDoc(d)));
    again.forEach((d, i) => expect(decodeDoc(d)).toEqual(decodeDoc(docs[i])));
    expect(total(again)).toBeLessThan(0.6 * total(docs));
  });

  it('keep rendered bodies exactly, in a fifth fewer bytes than codec 1, whose fragments still read', () => {
    const bodies = mail.flatMap(({ raw }) => {
      try {
        const { parts, texts } = analyzeWithParts(raw);
        return [renderBodyFragment(parts, (part) => texts.get(part))];
      } catch {
        return []; // not mail: no body
      }
    });
    expect(bodies.length).toBeGreaterThan(500);
    const codec1 = bodies.map((html) => deflateRawSync(Buffer.from(html, 'utf8'), { level: 1 }));
    const codec2 = bodies.map(compressHtml);
    bodies.forEach((html, i) => {
      expect(decompressHtml(codec2[i])).toBe(html);
      expect(decompressHtml(codec1[i])).toBe(html);
    });
    expect(total(codec2)).toBeLessThan(0.8 * total(codec1));
  });
});
