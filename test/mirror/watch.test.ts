// `lorekeeper mirror --watch`: a replica left running takes the writer's new mail and its state not
// in the mail (a series link moves no epoch) by itself within a few seconds, and runs nothing while
// the writer has nothing new. A URL that is no writer ends the watch at once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCli, runCliBeside, startCli } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { openDatabase, storePath } from '../../src/store/open-database.js';
import { storeDigest } from '../../src/store/digest.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { serveFiles } from '../helpers/file-server.js';

/** The store's digest, read in this process (the CLI's start would dominate a poll every 200 ms). */
function digest(data: string): string {
  if (!existsSync(storePath(data))) return 'no store yet';
  const db = openDatabase(data, { readonly: true });
  try {
    return storeDigest(db);
  } finally {
    db.close();
  }
}
const VFIO_PATCH = '1599734733-6431-3-git-send-email-yi.l.liu@intel.com';
const VIRTIO_PATCH = '20230315185458.11638-2-feliu@nvidia.com';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until the replica's digest is the writer's; the seconds it took. */
async function caughtUp(replica: string, writer: string, limitMs = 30_000): Promise<number> {
  const want = digest(writer);
  const t0 = Date.now();
  // (a store being made may not have its tables yet)
  const now = () => {
    try {
      return digest(replica);
    } catch {
      return 'unreadable yet';
    }
  };
  while (now() !== want) {
    if (Date.now() - t0 > limitMs) throw new Error(`the replica did not catch up within ${limitMs} ms`);
    await sleep(200);
  }
  return (Date.now() - t0) / 1000;
}

describe.skipIf(!have('git'))('a replica watching its writer', () => {
  const writer = tempDir();
  const replica = tempDir();
  let served: TestServer;
  let watcher: ChildProcess;
  /** The JSON lines the watcher printed: one per run. */
  const runs: Record<string, number>[] = [];
  let stderr = '';
  let first: number;
  beforeAll(async () => {
    first = jsonSummary(
      runCli([
        'ingest',
        '--data',
        writer,
        '--inbox',
        'virtualization',
        '--json',
        '--jobs',
        '0',
        fixture('vsock-multicid.thread.mbox'),
      ]),
    ).added;
    served = await startServer(writer);
    watcher = startCli(['mirror', '--data', replica, '--json', '--jobs', '0', '--watch', '1', `${served.url}/`]);
    let buffered = '';
    watcher.stdout?.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) runs.push(JSON.parse(l));
    });
    watcher.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  });
  afterAll(async () => {
    watcher?.kill('SIGKILL');
    await served?.close();
  });

  it('takes what the writer holds, then runs nothing while the writer has nothing new', async () => {
    await caughtUp(replica, writer);
    // (its line comes once the run is over)
    while (!runs.length) await sleep(100);
    expect(runs).toMatchObject([{ read: first, added: first }]);
    await sleep(3500);
    expect(runs.length, stderr).toBe(1);
  });

  it('takes new mail into two inboxes by itself, in seconds', async () => {
    for (const [inbox, source] of [
      ['iommu', fixture('vfio-vsva-v7.thread.mbox')],
      ['virtualization', fixture('virtio-ring-cleanup-v2.thread.mbox')],
    ])
      jsonSummary(runCli(['ingest', '--data', writer, '--inbox', inbox, '--json', '--jobs', '0', source]));
    expect(await caughtUp(replica, writer)).toBeLessThan(10);
  });

  it('takes a series link, which changes no epoch, by itself', async () => {
    expect(runCli(['series', 'link', '--data', writer, VFIO_PATCH, VIRTIO_PATCH]).status).toBe(0);
    expect(digest(replica)).not.toBe(digest(writer));
    expect(await caughtUp(replica, writer)).toBeLessThan(10);
    expect(watcher.exitCode, stderr).toBeNull();
  });
});

describe.skipIf(!have('git'))('a watch of something that is no writer', () => {
  it('ends at once with the reason', async () => {
    const files = await serveFiles(tempDir());
    const r = await runCliBeside(['mirror', '--data', tempDir(), '--watch', '1', `${files.url}/`]);
    await files.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('publishes no lorekeeper state');
  });
});
