// bench/precompute-cost.mjs on the fixtures (with the long tests, as a benchmark's check): the
// bodies it reads and re-deflates, the pages it renders, the shares against another directory.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';

const SCRIPT = join(ROOT, 'bench/precompute-cost.mjs');
const cost = (args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 120_000 });
const mib = (out: string, re: RegExp) => Number(re.exec(out)?.[1]);

describe('bench:precompute-cost', () => {
  const dir = fixtureStore();

  it('sizes the bodies as spliceable fragments and the message pages gzipped', () => {
    // the data directory against itself: the shares are of a known size
    const r = cost(['--data', dir, '--inbox', 'iommu', '--pi-dir', dir, '--every', '1']);
    expect(r.status, r.stderr).toBe(0);
    const [, bodies, pages] = /^iommu: (\d+) rendered bodies, (\d+) message pages/m.exec(r.stdout) ?? [];
    expect(Number(bodies)).toBeGreaterThan(50);
    expect(Number(pages)).toBe(Number(bodies));
    expect(r.stdout).toContain('the data directory is 100.0% of it');
    // without the trained dictionary the same bodies take more room
    const stored = mib(r.stdout, /^bodies as stored \(trained dictionary\): ([\d.]+) MiB/m);
    const spliceable = mib(r.stdout, /^bodies as spliceable fragments .*: ([\d.]+) MiB, \+/m);
    expect(spliceable).toBeGreaterThan(stored);
    expect(r.stdout).toMatch(
      new RegExp(
        `^message pages gzipped \\(${pages} rendered, every one\\): [\\d.]+ MiB, [\\d.]+ KB a page, data directory with it [\\d.]+ MiB = 1\\d\\d\\.\\d%$`,
        'm',
      ),
    );
  });

  it('refuses what it does not know, saying why', () => {
    const none = cost(['--inbox', 'iommu']);
    expect([none.status, none.stderr]).toEqual([2, expect.stringContaining('--data DIR is needed')]);
    const noInbox = cost(['--data', dir, '--inbox', 'nope']);
    expect([noInbox.status, noInbox.stderr]).toEqual([2, expect.stringContaining('no inbox "nope"')]);
  });
});
