// The compression dictionaries of the store's codecs: frozen files beside the source (dictionaries/),
// read once, from src/ or dist/ alike.
import { readFileSync } from 'node:fs';

/** A dictionary by file name; the same path resolves from src/store/ and dist/store/. */
export function readDictionary(name: string): Buffer {
  return readFileSync(new URL(`../../src/store/dictionaries/${name}`, import.meta.url));
}
