// The parse workers' memory limits keep garbage collection cheap: what analyzing a message leaves
// behind must die in the young generation instead of being copied by scavenge after scavenge.
import { describe, it, expect } from 'vitest';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { compiledWorker, WORKER_LIMITS } from '../../src/ingest/worker-file.js';
import { fixture } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';

/** Counts the scavenges of a worker that analyzes the messages `rounds` times, as a parse worker does. */
const COUNTER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');
let minor = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
}).observe({ entryTypes: ['gc'] });
import(workerData.module).then(({ processRaw }) => {
  for (let r = 0; r < workerData.rounds; r++) for (const raw of workerData.raws) processRaw(Buffer.from(raw));
  // the observer hears of the last collections after the work
  setTimeout(() => parentPort.postMessage(minor), 100);
});
`;

async function scavenges(resourceLimits: ResourceLimits, raws: Buffer[], rounds: number): Promise<number> {
  const built = compiledWorker(import.meta.url, 'ingest/process-raw.js');
  if (!built) throw new Error('no compiled ingest/process-raw.js: run npm run build');
  const worker = new Worker(COUNTER, {
    eval: true,
    resourceLimits,
    workerData: { module: pathToFileURL(built).href, raws, rounds },
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('parse worker limits', () => {
  it('let a worker scavenge less than half as often as a 4 MiB young generation did', async () => {
    const raws = readMbox(fixture('vfio-vsva-v7.thread.mbox'));
    const small = await scavenges({ ...WORKER_LIMITS, maxYoungGenerationSizeMb: 4 }, raws, 3);
    const ours = await scavenges(WORKER_LIMITS, raws, 3);
    expect(small).toBeGreaterThan(10);

    expect(ours * 2).toBeLessThan(small);
  });
});
