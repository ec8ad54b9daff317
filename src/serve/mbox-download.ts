// Gzipped mboxrd downloads: whole threads, search results and whole inboxes, built from the
// stored raw bytes (public-inbox's MboxGz). Content-Type application/gzip, no Content-Encoding:
// b4 and lei gunzip the body themselves.
import { gzipSync, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { toMboxrd } from '../mail/mboxrd.js';
import type { StoreReader } from '../store/reader.js';
import type { Page } from './response.js';

/**
 * Level 6: as small as public-inbox's downloads, still fast enough to build on request; with zlib's
 * larger hash table (memLevel 9) the same size for 13% less CPU (t.mbox.gz of the virtualization list).
 */
const GZIP = { level: 6, memLevel: 9 };
/** Messages read per step while streaming: bounds memory for whole-inbox downloads. */
const STREAM_BATCH = 200;

export function mboxGz(reader: StoreReader, nums: number[], filename: string): Page {
  const parts: Buffer[] = [];
  for (const n of nums) {
    const raw = reader.raw(n);
    if (raw) parts.push(toMboxrd(raw));
  }
  return {
    status: 200,
    type: 'application/gzip',
    body: gzipSync(Buffer.concat(parts), GZIP),
    headers: { 'Content-Disposition': `inline; filename=${filename}.mbox.gz` },
  };
}

/** The same, streamed: for downloads as big as a whole inbox. Nothing is read before it is sent. */
export function mboxGzStream(reader: StoreReader, numbers: () => Iterable<number[]>, filename: string): Page {
  const stream = () => {
    const batches = numbers()[Symbol.iterator]();
    const source = new Readable({
      read() {
        const next = batches.next();
        if (next.done) return void this.push(null);
        this.push(
          Buffer.concat(
            next.value
              .map((n) => reader.raw(n))
              .filter((r): r is Buffer => !!r)
              .map(toMboxrd),
          ),
        );
      },
    });
    return source.pipe(createGzip(GZIP));
  };
  return {
    status: 200,
    type: 'application/gzip',
    body: stream,
    headers: { 'Content-Disposition': `inline; filename=${filename}.mbox.gz` },
    cache: false,
  };
}

export { STREAM_BATCH };

/** Article numbers in batches of STREAM_BATCH, for mboxGzStream. */
export function* inBatches(nums: number[]): Iterable<number[]> {
  for (let i = 0; i < nums.length; i += STREAM_BATCH) yield nums.slice(i, i + STREAM_BATCH);
}

/** A header value reduced to a safe download file name (Hval::to_filename). */
export function toFilename(s: string): string | undefined {
  const first = s.split('\n')[0];
  const out = first
    .replace(/[^A-Za-z0-9_.]+/g, '-')
    .replace(/\.+/g, '.')
    .replace(/[.-]+$/, '')
    .replace(/^[.-]+/, '');
  return out === '' ? undefined : out;
}
