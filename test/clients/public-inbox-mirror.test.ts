// public-inbox's own mirroring tools against lorekeeper: public-inbox-clone of an inbox, then
// public-inbox-init -V2 and public-inbox-index of the clone, served by public-inbox-httpd, answers
// as lorekeeper does (/raw bytes, thread membership) on a sample of messages; public-inbox-fetch
// after new mail fetches only the new commits; lei add-external --mirror clones and searches it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { havePublicInbox, PublicInboxHome, type Httpd } from '../helpers/public-inbox.js';
import { gitOut, storedRaws } from '../helpers/epochs.js';
import { midEscape } from '../../src/mail/message-id.js';

/** Clients run asynchronously: the lorekeeper answering them lives in this very process. */
const run = promisify(execFile);
const ADDRESS = 'virtualization@lists.linux-foundation.org';

const get = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
/** The Message-IDs of a gzipped mboxrd, sorted. */
const midsOf = (gz: Buffer) =>
  [
    ...gunzipSync(gz)
      .toString('latin1')
      .matchAll(/^Message-I[Dd]:\s*<([^>]+)>/gm),
  ]
    .map((m) => m[1])
    .sort();
/** Objects a repository holds, loose and packed. */
const objects = (gitDir: string) => {
  const v = Object.fromEntries(
    gitOut(gitDir, 'count-objects', '-v')
      .trim()
      .split('\n')
      .map((l) => l.split(': ')),
  );
  return Number(v.count) + Number(v['in-pack']);
};

describe.skipIf(!havePublicInbox() || !have('public-inbox-clone') || !have('public-inbox-fetch'))(
  "public-inbox's mirroring tools against lorekeeper",
  () => {
    const data = tempDir();
    const ingestArgs = ['ingest', '--data', data, '--inbox', 'virtualization', '--json', '--jobs', '0'];
    const pi = new PublicInboxHome();
    const clone = join(pi.home, 'virt');
    let server: TestServer;
    let httpd: Httpd;
    let url: string;
    beforeAll(async () => {
      for (const source of ['vsock-multicid.thread.mbox', 'virtio-ring-cleanup-v2.thread.mbox'])
        jsonSummary(await runCliHere([...ingestArgs, '--address', ADDRESS, fixture(source)]));
      server = await startServer(data);
      url = `${server.url}/virtualization/`;
    });
    afterAll(async () => {
      await httpd?.stop();
      await server?.close();
    });

    it('public-inbox-clone, -init -V2 and -index make an inbox that answers as lorekeeper does', async () => {
      await run('public-inbox-clone', [url, clone], { env: pi.env });
      expect(gitOut(join(clone, 'git', '0.git'), 'rev-list', '--count', 'master').trim()).toBe('30');
      pi.run('public-inbox-init', ['-V2', 'virt', clone, url, ADDRESS]);
      pi.run('public-inbox-index', [clone]);
      httpd = await pi.serve('/virt/');
      const raws = storedRaws(data, 'virtualization');
      let compared = 0;
      for (const raw of raws.filter((_, i) => i % 3 === 0)) {
        const mid = /^Message-ID:\s*<([^>]+)>/im.exec(raw.toString('latin1'))![1];
        const [ours, theirs] = [`${url}${midEscape(mid)}/`, `${httpd.url}/virt/${midEscape(mid)}/`];
        expect((await get(`${theirs}raw`)).equals(await get(`${ours}raw`)), mid).toBe(true);
        expect(midsOf(await get(`${theirs}t.mbox.gz`)), mid).toEqual(midsOf(await get(`${ours}t.mbox.gz`)));
        compared++;
      }
      expect(compared).toBe(10);
    });

    it('public-inbox-fetch after new mail fetches the new commits and nothing else', async () => {
      const epoch = join(clone, 'git', '0.git');
      const before = objects(epoch);
      // seed 000 and the six multi-id messages, of which four are kept
      jsonSummary(await runCliHere([...ingestArgs, fixture('seed-000-qemu-devel.eml')]));
      const s = jsonSummary(await runCliHere([...ingestArgs, fixture('multi-id.mbox')]));
      const added = 1 + s.added;
      await run('public-inbox-fetch', ['-C', clone], { env: pi.env });
      expect(gitOut(epoch, 'rev-list', '--count', 'master').trim()).toBe(String(30 + added));
      // a commit, its tree and its message per new message: the clone had every other object
      expect(objects(epoch) - before).toBe(3 * added);
      expect(gitOut(epoch, 'rev-parse', 'master')).toBe(
        gitOut(join(data, 'inboxes', 'virtualization', 'git', '0.git'), 'rev-parse', 'master'),
      );
    });

    it('lei add-external --mirror clones and indexes it, and lei finds its mail', async () => {
      const env = { ...pi.env, XDG_RUNTIME_DIR: join(pi.home, 'run'), XDG_CONFIG_HOME: join(pi.home, '.config') };
      const external = join(pi.home, 'lei-virt');
      try {
        await run('lei', ['add-external', '--mirror', url, external], { env });
        const out = join(tempDir(), 'found.mbox');
        await run('lei', ['q', '--only', external, '-o', `mboxrd:${out}`, 's:virtio_ring'], { env });
        const found = [...execFileSync('grep', ['-c', '^From ', out]).toString().matchAll(/\d+/g)].map(Number)[0];
        expect(found).toBe(23);
      } finally {
        await run('lei', ['daemon-kill'], { env }).catch(() => undefined);
      }
    });
  },
);
