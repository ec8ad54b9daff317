// `lorekeeper serve` as a process: worker processes sharing the port and the pages they render, a
// taken port, a clean stop.
import { describe, it, expect, beforeAll } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { fixtureStore } from '../helpers/store.js';
import { startCli } from '../helpers/cli.js';

/** The URL the server announces on stderr, or the exit code if it ends first. */
async function announced(p: ChildProcess): Promise<{ url?: string; code?: number | null; stderr: string }> {
  let stderr = '';
  return new Promise((resolve) => {
    p.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m =
        /serving (http:\/\/\S+?)\/? with (\d+) workers/.exec(stderr) ?? /serving (http:\/\/\S+?)\/?\n/.exec(stderr);
      if (m) resolve({ url: m[1], stderr });
    });
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

describe('lorekeeper serve', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureStore();
  });

  it('serves from two workers on one port, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const p = startCli(['serve', '--data', dir, '--port', String(port), '--workers', '2']);
    const a = await announced(p);
    expect(a.url, a.stderr).toBe(`http://127.0.0.1:${port}`);
    expect(a.stderr).toContain('with 2 workers');
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${a.url}/iommu/`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('vfio: expose virtual Shared Virtual Addressing to VMs');
    }
    p.kill('SIGTERM');
    const [code] = await once(p, 'exit');
    expect(code).toBe(0);
    await expect(fetch(`${a.url}/iommu/`)).rejects.toThrow();
  });

  it("answers a page one worker rendered from the other worker's cache", async () => {
    const port = await freePort();
    const debug = process.env.LOREKEEPER_DEBUG_CACHE;
    process.env.LOREKEEPER_DEBUG_CACHE = '1';
    const p = startCli(['serve', '--data', dir, '--port', String(port), '--workers', '2']);
    if (debug === undefined) delete process.env.LOREKEEPER_DEBUG_CACHE;
    else process.env.LOREKEEPER_DEBUG_CACHE = debug;
    try {
      const a = await announced(p);
      expect(a.url, a.stderr).toBe(`http://127.0.0.1:${port}`);
      // each connection goes to the next worker: the first renders the page, the others hold it
      const ask = async () => (await fetch(`${a.url}/iommu/`, { headers: { connection: 'close' } })).headers;
      expect((await ask()).get('x-cache')).toBe('miss');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = [];
      for (let i = 0; i < 6; i++) after.push((await ask()).get('x-cache'));
      expect(after).toEqual(Array(6).fill('hit'));
    } finally {
      p.kill('SIGTERM');
      await once(p, 'exit');
    }
  });

  it('exits 1 with the reason when the port is taken, instead of restarting workers forever', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = startCli(['serve', '--data', dir, '--port', String(port), '--workers', '2']);
      const a = await announced(p);
      expect(a.code).toBe(1);
      expect(a.stderr).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });
});
