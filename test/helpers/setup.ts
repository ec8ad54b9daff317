// Run before every test file (vitest's setupFiles).
import { expect } from 'vitest';

/**
 * Two Buffers are equal when their bytes are: vitest's toEqual would otherwise walk them byte by byte
 * through its generic iterable equality (the raw messages the epoch tests compare cost 10 s of CPU
 * that way). Added once per worker: with isolate off, a worker runs this file before each test file.
 */
function buffersEqual(a: unknown, b: unknown): boolean | undefined {
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : undefined;
}
const ADDED = Symbol.for('lorekeeper.buffersEqual');
const scope = globalThis as { [ADDED]?: true };
if (!scope[ADDED]) {
  expect.addEqualityTesters([buffersEqual]);
  scope[ADDED] = true;
}
