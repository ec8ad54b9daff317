// b4 and lei, the real Debian clients, against a real lorekeeper server. Their output is compared
// with what they wrote against public-inbox 1.9 serving the same fixtures (fixtures/expected/clients/).
// To regenerate the expectations from a public-inbox server:
//   ../shared/tools/pi-reference fixtures/vfio-vsva-v7.thread.mbox iommu 8089
//   LK_EXPECT_FROM=http://127.0.0.1:8089/iommu/ npx vitest run test/clients
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, tempDir } from '../helpers/paths.js';
import { fixtureStore } from '../helpers/store.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { have } from '../helpers/programs.js';
import { clientHome } from '../helpers/client-home.js';

const COVER = '1599734733-6431-1-git-send-email-yi.l.liu@intel.com';
const EXPECTED = fixture('expected/clients');
const regenerateFrom = process.env.LK_EXPECT_FROM;

/** b4's URLs for this inbox (Link: trailers must not depend on the server's port). */
const clientEnv = (inboxUrl: string) =>
  clientHome({ 'b4.midmask': `${inboxUrl}%s`, 'b4.linkmask': 'https://lore.kernel.org/r/%s' });

/** Clients run asynchronously: the server answering them lives in this very process. */
const run = promisify(execFile);

/** The messages of an mbox file, each from its "From " line. */
const messagesOf = (mbox: Buffer) =>
  mbox
    .toString('latin1')
    .split(/^(?=From )/m)
    .map((m) => Buffer.from(m, 'latin1'));

const midsIn = (mbox: string) => [...mbox.matchAll(/^Message-I[Dd]:\s*<([^>]+)>/gm)].map((m) => m[1]).sort();

describe.skipIf(!have('b4') || !have('lei'))('b4 and lei against lorekeeper', () => {
  let server: TestServer;
  let base: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    const dir = fixtureStore();
    server = await startServer(dir);
    base = regenerateFrom ?? `${server.url}/iommu/`;
    env = clientEnv(base);
    if (regenerateFrom) mkdirSync(EXPECTED, { recursive: true });
  });
  afterAll(async () => {
    try {
      execFileSync('lei', ['daemon-kill'], { env, stdio: 'ignore' });
    } catch {
      /* no daemon started */
    }
    await server.close();
  });

  /**
   * Files b4 wrote, compared by SHA-256 with those it wrote against public-inbox (SHA256SUMS). `b4 mbox`
   * writes the thread's messages in the order the file system lists the files `git mailsplit` made of
   * the download (os.listdir: ext4's hash order, its seed different on every file system; tmpfs lists
   * newest first), so its file is compared as the messages it holds, in any order.
   */
  const compareDir = (out: string, files: string[], anyOrder = false) => {
    const sums = join(EXPECTED, 'SHA256SUMS');
    const known = new Map(
      existsSync(sums)
        ? readFileSync(sums, 'utf8')
            .trim()
            .split('\n')
            .map((l) => [l.slice(66), l.slice(0, 64)] as [string, string])
        : [],
    );
    const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
    for (const f of files) {
      const data = readFileSync(join(out, f));
      const name = anyOrder ? `${f} (its messages in any order)` : f;
      // (mboxrd: a line starting "From " begins a message; b4 quotes any other as ">From ")
      const got = anyOrder ? sha256(messagesOf(data).map(sha256).sort().join('\n')) : sha256(data);
      if (regenerateFrom) known.set(name, got);
      else expect(got, `${name} differs from what b4 wrote against public-inbox`).toBe(known.get(name));
    }
    if (regenerateFrom)
      writeFileSync(
        sums,
        [...known]
          .map(([f, h]) => `${h}  ${f}`)
          .sort()
          .join('\n') + '\n',
      );
  };

  it('b4 am writes the same .mbx and .cover as against public-inbox', async () => {
    const out = tempDir('lk-b4-');
    await run('b4', ['am', '-o', out, COVER], { env });
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'v7_20200910_yi_l_liu_vfio_expose_virtual_shared_virtual_addressing_to_vms.cover',
      'v7_20200910_yi_l_liu_vfio_expose_virtual_shared_virtual_addressing_to_vms.mbx',
    ]);
    compareDir(out, files);
  });

  it('b4 mbox saves the same thread as against public-inbox', async () => {
    const out = tempDir('lk-b4-');
    await run('b4', ['mbox', '-o', out, COVER], { env });
    expect(readdirSync(out)).toEqual([`${COVER}.mbx`]);
    // the 84 messages of the thread, each from its own "From " line
    expect(messagesOf(readFileSync(join(out, `${COVER}.mbx`))).length).toBe(84);
    compareDir(out, [`${COVER}.mbx`], true);
  });

  // a capitalised word matches only as written (Xapian's STEM_SOME); its lowercase form, by its stem,
  // also matches "Report" and "reports"
  for (const [name, args, query, file, count] of [
    ['lei q -I', [], 's:pasid', 'lei-q', 10],
    ['lei q -t -I', ['-t'], 's:pasid', 'lei-q-t', 84],
    ['lei q -I, a capitalised word,', [], 's:Reporting', 'lei-q-capitalised', 1],
    ['lei q -I, the word in lowercase,', [], 's:reporting', 'lei-q-lowercase', 18],
  ] as const) {
    it(`${name} returns the same messages as against public-inbox`, async () => {
      const out = join(tempDir('lk-lei-'), 'out.mbox');
      await run('lei', ['q', ...args, '-I', base, '-o', `mboxrd:${out}`, query], { env });
      const got = midsIn(readFileSync(out, 'utf8'));
      const expected = join(EXPECTED, `${file}.mids`);
      if (regenerateFrom) writeFileSync(expected, got.join('\n') + '\n');
      else {
        expect(existsSync(expected)).toBe(true);
        expect(got).toEqual(readFileSync(expected, 'utf8').trim().split('\n'));
      }
      expect(got.length).toBe(count);
    });
  }
});
