// The epochs over git's smart HTTP and grokmirror's manifests, with the real git: every epoch cloned
// at each URL form public-inbox answers, its blobs byte-equal to /raw, the mirror page's commands
// run as printed, manifests with git's own fingerprints, Last-Modified and 304, no push and nothing
// outside the epochs, and a bounded number of git children with a queue, 503s and a deadline.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { CLI, fixture, tempDir } from '../helpers/paths.js';
import { jsonSummary, runCliHere } from '../helpers/cli.js';
import { have } from '../helpers/programs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { commitsOf, epochsOf, gitOut, storedRaws } from '../helpers/epochs.js';
import { unescapeFromLines } from '../../src/mail/mboxrd.js';

const run = promisify(execFile);
/** git run beside the server (this process serves what it asks for: never a blocking call). */
const gitAsync = (...args: string[]) => run('git', args, { maxBuffer: 1 << 28 });

/** A message's bytes as /raw gives them, without the mboxrd framing public-inbox's /raw adds. */
function fromRaw(raw: Buffer): Buffer {
  const body = raw.subarray(raw.indexOf(10) + 1, raw.length - 1);
  return unescapeFromLines(body, 'mboxrd');
}

/** An upload-pack request whose body never finishes: its git waits for it, holding its place. */
function stalledRequest(url: string): Promise<{ head: string; closedAt: number }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1');
    let head = '';
    s.on('data', (c) => (head += c.toString('latin1')));
    s.on('close', () => resolve({ head, closedAt: Date.now() }));
    s.write(
      'POST /v/0/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\n' +
        'Content-Length: 100000\r\n\r\n0032want ',
    );
  });
}

/** Fields of /proc/PID/stat after the command's name: [0] state, [1] ppid, ..., [16] nice. */
const statOf = (pid: string) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return {
    comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
    f: text.slice(text.lastIndexOf(')') + 2).split(' '),
  };
};
const ownNiceness = () => Number(statOf(String(process.pid)).f[16]);

/** The niceness of each git this process started (http-backend, waiting for its request's body), by pid. */
function gitNiceness(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const { comm, f } = statOf(pid);
      if (comm === 'git' && Number(f[1]) === process.pid) out.set(pid, Number(f[16]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * A stalled request, and the niceness of the gits it started (asked every 20 ms rather than after a
 * fixed wait, which a loaded machine outlasts; gits that ran before it are not counted): none if it
 * ends first.
 */
async function stalledGitNiceness(url: string): Promise<{ pending: Promise<unknown>; niceness: number[] }> {
  const before = gitNiceness();
  const pending = stalledRequest(url);
  let ended = false;
  void pending.then(() => (ended = true));
  for (;;) {
    const niceness = [...gitNiceness()].filter(([pid]) => !before.has(pid)).map(([, n]) => n);
    if (niceness.length || ended) return { pending, niceness };
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ingest = async (data: string, inbox: string, ...args: string[]) =>
  jsonSummary(await runCliHere(['ingest', '--data', data, '--inbox', inbox, '--json', '--jobs', '0', ...args]));

describe.skipIf(!have('git'))('git smart HTTP and the manifests', () => {
  const data = tempDir();
  let server: TestServer;
  beforeAll(async () => {
    await ingest(
      data,
      'iommu',
      '--epoch-size',
      '150k',
      '--address',
      'iommu@example.org',
      fixture('vfio-vsva-v7.thread.mbox'),
    );
    await ingest(data, 'v', '--description', 'virtio "and" vsock', fixture('vsock-multicid.thread.mbox'));
    await runCliHere([
      'ingest',
      '--data',
      data,
      '--inbox',
      'none',
      '--no-epochs',
      '--jobs',
      '0',
      fixture('seed-003-kvm.eml'),
    ]);
    server = await startServer(data);
  });
  afterAll(async () => server?.close());

  it('clones every epoch at /NAME/N, /NAME/N.git and /NAME/git/N.git, its blobs the bytes /raw gives', async () => {
    const epochs = epochsOf(data, 'iommu');
    expect(epochs.length).toBeGreaterThan(2);
    const into = tempDir();
    const cloned = [];
    for (const e of epochs) {
      const form = [`iommu/${e.n}`, `iommu/${e.n}.git`, `iommu/git/${e.n}.git`][e.n % 3];
      await gitAsync('clone', '-q', '--mirror', `${server.url}/${form}`, join(into, `${e.n}.git`));
      cloned.push(...commitsOf(join(into, `${e.n}.git`), e.n));
    }
    const stored = storedRaws(data, 'iommu');
    expect(cloned.map((c) => c.raw)).toEqual(stored);
    for (const c of cloned.filter((_, i) => i % 9 === 0)) {
      const mid = /^Message-ID:\s*<([^>]+)>/im.exec(c.raw.toString('latin1'))![1];
      const raw = Buffer.from(await (await fetch(`${server.url}/iommu/${encodeURIComponent(mid)}/raw`)).arrayBuffer());
      expect(fromRaw(raw).equals(c.raw), mid).toBe(true);
    }
  });

  it('prints on the mirror page the clone commands that work, and config/raw as public-inbox does', async () => {
    const page = await (await fetch(`${server.url}/iommu/_/text/mirror/raw`)).text();
    const clones = [...page.matchAll(/^ {2}git clone --mirror (\S+) (\S+)$/gm)];
    expect(clones.map((m) => m[2])).toEqual(epochsOf(data, 'iommu').map((e) => `iommu/git/${e.n}.git`));
    const into = tempDir();
    for (const [, url, dir] of clones) await gitAsync('-C', into, 'clone', '-q', '--mirror', url, dir);
    const commits = epochsOf(data, 'iommu').reduce(
      (n, e) => n + commitsOf(join(into, 'iommu', 'git', `${e.n}.git`)).length,
      0,
    );
    expect(commits).toBe(84);
    for (const line of [
      `public-inbox-clone ${server.url}/iommu/ iommu`,
      'public-inbox-fetch -C iommu',
      `lei add-external --mirror ${server.url}/iommu/ iommu`,
      `lorekeeper mirror --data DIR --inbox iommu ${server.url}/iommu/`,
    ])
      expect(page).toContain(`  ${line}\n`);
    expect(await (await fetch(`${server.url}/none/_/text/mirror/raw`)).text()).toContain('not written yet');
    // WwwText's inbox_config, byte for byte
    expect(await (await fetch(`${server.url}/v/_/text/config/raw`)).text()).toBe(
      `; Example public-inbox config snippet for a mirror of
; ${server.url}/v/
; See public-inbox-config(5) manpage for more details:
; https://public-inbox.org/public-inbox-config.html
[publicinbox "v"]
\tinboxdir = /path/to/top-level-inbox
\t; note: public-inbox before v1.2.0 used \`mainrepo' instead of
\t; \`inboxdir', both remain supported after 1.2
\tmainrepo = /path/to/top-level-inbox
\turl = https://example.com/v/
\turl = http://example.onion/v/
`,
    );
    expect(await (await fetch(`${server.url}/iommu/_/text/config/raw`)).text()).toMatch(
      /\turl = http:\/\/example\.onion\/iommu\/\n\taddress = iommu@example\.org\n$/,
    );
  });

  it("answers grokmirror's manifests with git's own fingerprints, Last-Modified and 304", async () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
    const site = await get('/manifest.js.gz');
    expect(site.status).toBe(200);
    expect(site.headers.get('content-type')).toBe('application/gzip');
    const all = JSON.parse(gunzipSync(Buffer.from(await site.arrayBuffer())).toString());
    const keys = [...epochsOf(data, 'iommu').map((e) => `/iommu/git/${e.n}.git`), '/v/git/0.git', '/_/admin.git'];
    expect(Object.keys(all).sort()).toEqual(keys.sort());
    expect(all['/_/admin.git'].fingerprint).toBe(
      createHash('sha1')
        .update(gitOut(join(data, 'admin.git'), 'show-ref'))
        .digest('hex'),
    );
    for (const e of epochsOf(data, 'iommu')) {
      const entry = all[`/iommu/git/${e.n}.git`];
      expect(entry.fingerprint).toBe(createHash('sha1').update(gitOut(e.gitDir, 'show-ref')).digest('hex'));
      expect(entry.modified).toBe(Number(gitOut(e.gitDir, 'log', '-1', '--format=%ct', 'master').trim()));
      expect(entry).toMatchObject({ owner: null, reference: null });
      expect(entry.description).toBe(`public inbox for iommu@example.org [epoch ${e.n}]`);
    }
    const one = await get('/v/manifest.js.gz');
    const v = JSON.parse(gunzipSync(Buffer.from(await one.arrayBuffer())).toString());
    expect(Object.keys(v)).toEqual(['/v/git/0.git']);
    expect(v['/v/git/0.git'].description).toBe('virtio "and" vsock [epoch 0]');
    expect((await get('/none/manifest.js.gz')).status).toBe(404);
    expect((await get('/nosuch/manifest.js.gz')).status).toBe(404);

    // liblore probes with HEAD; grok-pull polls with If-Modified-Since
    const lastModified = one.headers.get('last-modified') as string;
    expect((await fetch(`${server.url}/v/manifest.js.gz`, { method: 'HEAD' })).status).toBe(200);
    expect((await get('/v/manifest.js.gz', { 'If-Modified-Since': lastModified })).status).toBe(304);
    await new Promise((r) => setTimeout(r, 1100));
    await run(process.execPath, [
      CLI,
      ...['ingest', '--data', data, '--inbox', 'v', '--jobs', '0', fixture('seed-000-qemu-devel.eml')],
    ]);
    const after = await get('/v/manifest.js.gz', { 'If-Modified-Since': lastModified });
    expect(after.status).toBe(200);
    const changed = JSON.parse(gunzipSync(Buffer.from(await after.arrayBuffer())).toString());
    expect(changed['/v/git/0.git'].fingerprint).not.toBe(v['/v/git/0.git'].fingerprint);
    expect(Date.parse(after.headers.get('last-modified') as string)).toBeGreaterThan(Date.parse(lastModified));
  });

  it('refuses git push, and answers nothing outside the epochs', async () => {
    const clone = join(tempDir(), 'c.git');
    await gitAsync('clone', '-q', '--mirror', `${server.url}/v/0`, clone);
    const before = gitOut(epochsOf(data, 'v')[0].gitDir, 'show-ref');
    gitOut(
      clone,
      'update-ref',
      'refs/heads/master',
      gitOut(clone, 'commit-tree', '-p', 'master', '-m', 'x', 'master^{tree}').trim(),
    );
    const push = await gitAsync('-C', clone, 'push', `${server.url}/v/0`, 'master').catch((e) => e);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('read-only: git push is not accepted');
    expect(gitOut(epochsOf(data, 'v')[0].gitDir, 'show-ref')).toBe(before);
    const status = async (path: string, method = 'GET') => (await fetch(`${server.url}${path}`, { method })).status;
    expect(await status('/v/0/info/refs?service=git-receive-pack')).toBe(403);
    expect(await status('/v/0/git-receive-pack', 'POST')).toBe(403);
    for (const form of ['0', '0.git', 'git/0.git', 'git/0'])
      expect(await status(`/v/${form}/info/refs?service=git-upload-pack`)).toBe(200);
    for (const path of [
      '/v/1/info/refs?service=git-upload-pack',
      '/v/00/info/refs?service=git-upload-pack',
      '/v/git/0.git.git/info/refs?service=git-upload-pack',
      '/v/..%2F..%2F..%2Florekeeper.sqlite3/info/refs',
      '/v/git/0.git/../../../lorekeeper.sqlite3',
      '/v/0/HEAD',
      '/v/0/objects/info/packs',
      '/v/0/config',
      '/none/0/info/refs?service=git-upload-pack',
      '/nosuch/0/info/refs?service=git-upload-pack',
      '/v/info/refs?service=git-upload-pack',
      '/_/admin.git/config',
    ])
      expect(await status(path), path).toBe(404);
  });
});

describe.skipIf(!have('git'))('git http-backend under a storm of requests', () => {
  const data = tempDir();
  let server: TestServer;
  beforeAll(async () => {
    await ingest(data, 'v', fixture('vsock-multicid.thread.mbox'));
    server = await startServer(data, { git: { concurrency: 1, queue: 1, timeoutMs: 1500 } });
  });
  afterAll(async () => server?.close());

  const stalled = () => stalledRequest(server.url);

  it('runs git below pages, at niceness 10', async () => {
    const { pending, niceness } = await stalledGitNiceness(server.url);
    expect(niceness).toEqual([ownNiceness() + 10]);
    await pending;
  });

  it('runs a bounded number at once, queues a few, refuses the rest with 503, and stops each at its deadline', async () => {
    const t0 = Date.now();
    const first = stalled();
    await new Promise((r) => setTimeout(r, 200));
    const second = stalled();
    await new Promise((r) => setTimeout(r, 200));
    // one runs, one waits: the third is refused at once, and pages are served meanwhile
    const third = await fetch(`${server.url}/v/0/info/refs?service=git-upload-pack`);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('5');
    const page = await fetch(`${server.url}/v/`);
    expect(page.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1400);
    // the running one is stopped at its deadline, the waiting one then runs until its own
    const [a, b] = await Promise.all([first, second]);
    expect(a.closedAt - t0).toBeGreaterThanOrEqual(1500);
    expect(b.closedAt - a.closedAt).toBeGreaterThanOrEqual(1300);
    // and the slot is free again
    const refs = await gitAsync('ls-remote', `${server.url}/v/0`);
    expect(refs.stdout).toContain('refs/heads/master');
  });
});

describe.skipIf(!have('git'))('a writer, whose git serves its replicas', () => {
  it('runs git at the niceness it is given (serve --git-nice 0)', async () => {
    const data = tempDir();
    await ingest(data, 'v', fixture('vsock-multicid.thread.mbox'));
    const server = await startServer(data, { git: { concurrency: 1, queue: 1, timeoutMs: 1000, nice: 0 } });
    const { pending, niceness } = await stalledGitNiceness(server.url);
    expect(niceness).toEqual([ownNiceness()]);
    await pending;
    await server.close();
  });
});
