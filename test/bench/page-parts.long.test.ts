// bench/page-parts.mjs on the fixtures (with the long tests, as a benchmark's check): message pages
// and thread downloads answered, the parts it times counted once per call, and its refusals.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';

const SCRIPT = join(ROOT, 'bench/page-parts.mjs');
const parts = (args: string[]) => {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000 });
  const calls = new Map(
    [...r.stdout.matchAll(/^\s+[\d.]+\s+(\d+)\s+(\S+)$/gm)].map((m) => [m[2], Number(m[1])] as [string, number]),
  );
  return { ...r, calls };
};

describe('bench:page-parts', () => {
  const dir = fixtureStore();

  it('times the parts of message pages asked for each once', () => {
    const r = parts(['--data', dir, '--inbox', 'iommu', '--pages', '10']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^message pages of iommu, each once: 10 \(statuses \{"200":10\}\)/);
    // one gzip per answer, two stored fragments inflated (the message's document and its body)
    expect([r.calls.get('zlib.gzipSync'), r.calls.get('zlib.inflateRawSync')]).toEqual([10, 20]);
    expect(r.calls.get('reader.thread')).toBe(10);
  });

  it("times a thread's download, from each thread's first message", () => {
    const r = parts(['--data', dir, '--inbox', 'virtualization', '--kind', 't.mbox.gz', '--pages', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^t\.mbox\.gz pages of virtualization, each once: 1 \(statuses \{"200":1\}\)/);
    expect(r.calls.get('zlib.gzipSync')).toBe(1);
    expect(r.calls.get('reader.raw')).toBeGreaterThan(1);
  });

  it('refuses what it does not know, saying why', () => {
    // the iommu fixture is one thread: nothing left to measure once it has warmed up
    const one = parts(['--data', dir, '--inbox', 'iommu', '--kind', 'T']);
    expect([one.status, one.stderr]).toEqual([1, expect.stringContaining('iommu has 1 page of that kind')]);
    const r = parts(['--data', dir, '--kind', 'x']);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('--kind is one of message, T, t')]);
    const noInbox = parts(['--data', dir, '--inbox', 'nope']);
    expect([noInbox.status, noInbox.stderr]).toEqual([2, expect.stringContaining('no inbox "nope"')]);
  });
});
