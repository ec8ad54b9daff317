// The same mail in the same order makes the same store, however many runs it came in: what a store
// holds follows from arrival order and content, not from where batches and runs happened to end.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { ingest } from '../../src/ingest/ingest.js';
import { digestOf } from '../helpers/store.js';

function mbox(messages: Buffer[]): string {
  const path = join(tempDir(), 'part.mbox');
  writeFileSync(path, Buffer.concat(messages.map(toMboxrd)));
  return path;
}

/** One run of the ingest (each opens the store, writes, and closes it, as a command does). */
const run = (dataDir: string, messages: Buffer[]) =>
  ingest({ dataDir, inbox: 'l', sources: [mbox(messages)], jobs: 0 });

describe('ingest runs', () => {
  it('end with the digest of one run holding the same mail', async () => {
    // the vfio series' thread is assembled once, the virtio_ring series after it, then the vfio
    // thread again: its series must not come out named after the order of those rebuilds
    const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
    const parts = [vfio.slice(0, 40), readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox')), vfio.slice(40)];
    const one = tempDir();
    const many = tempDir();
    expect(await run(one, parts.flat())).toMatchObject({ added: 107 });
    for (const part of parts) expect((await run(many, part)).added).toBe(part.length);
    expect(digestOf(many)).toBe(digestOf(one));
  });
});
