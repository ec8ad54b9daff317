// How rendered bodies are kept (body_html.html): raw deflate of the UTF-8, primed with a dictionary of
// the markup and text bodies repeat (codec 2), a quarter of the size; codec 1 (no dictionary) is still read.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { readDictionary } from './dictionaries.js';

/**
 * 32 KiB of what zstd's trainer found recurring in the rendered bodies of the first half of the
 * virtualization list (bench/train-dictionaries.mjs): quote and diff markup, list footers, common
 * code. Frozen: stored fragments need it.
 */
const DICTIONARY_V2 = readDictionary('html-2.dict');

/**
 * The first byte of a codec 2 fragment. Codec 1 fragments are bare raw deflate, whose first byte never
 * has both block-type bits set (type 3 is invalid), so they are told apart without a column.
 */
const CODEC_2 = 0x06;

/**
 * Level 5 with the larger hash table: 25% fewer bytes than codec 1's level 1 without a dictionary on the
 * list's second half (the same as level 6, for 12% less CPU); inflating costs the same.
 */
export function compressHtml(html: string): Buffer {
  const data = deflateRawSync(Buffer.from(html, 'utf8'), { level: 5, memLevel: 9, dictionary: DICTIONARY_V2 });
  return Buffer.concat([Buffer.of(CODEC_2), data]);
}

export function decompressHtml(data: Buffer): string {
  if (data[0] === CODEC_2) return inflateRawSync(data.subarray(1), { dictionary: DICTIONARY_V2 }).toString('utf8');
  return inflateRawSync(data).toString('utf8');
}
