// The same mail in the same order makes the same store, however many runs it came in: what a store
// holds follows from arrival order and content, not from where batches and runs happened to end.
import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { toMboxrd } from '../../src/mail/mboxrd.js';
import { jsonSummary, runCli } from '../helpers/cli.js';

function mbox(messages: Buffer[]): string {
  const path = join(tempDir(), 'part.mbox');
  writeFileSync(path, Buffer.concat(messages.map(toMboxrd)));
  return path;
}

describe('ingest runs', () => {
  it('end with the digest of one run holding the same mail', () => {
    // the vfio series' thread is assembled once, the virtio_ring series after it, then the vfio
    // thread again: its series must not come out named after the order of those rebuilds
    const vfio = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
    const parts = [vfio.slice(0, 40), readMbox(fixture('virtio-ring-cleanup-v2.thread.mbox')), vfio.slice(40)];
    const one = tempDir();
    const many = tempDir();
    expect(jsonSummary(runCli(['ingest', '--data', one, '--inbox', 'l', '--json', mbox(parts.flat())]))).toMatchObject({
      added: 107,
    });
    for (const part of parts) {
      expect(jsonSummary(runCli(['ingest', '--data', many, '--inbox', 'l', '--json', mbox(part)])).added).toBe(
        part.length,
      );
    }
    expect(runCli(['digest', '--data', many]).stdout).toBe(runCli(['digest', '--data', one]).stdout);
  });
});
