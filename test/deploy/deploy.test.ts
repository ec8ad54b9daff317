// deploy/: the HAProxy configuration HAProxy itself accepts and runs in front of stand-in servers
// (a 503 from one replica answered by the other, nothing but reads replayed, a request every server
// refuses failing), and systemd units systemd-analyze verifies without a word. (What the writer's
// unit runs, the ingest of a Maildir spool, is test/ingest/spool.test.ts.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, tempDir } from '../helpers/paths.js';
import { have } from '../helpers/programs.js';
import { http } from '../helpers/http.js';
import { freePort } from '../helpers/public-inbox.js';

const DEPLOY = join(ROOT, 'deploy');

const HAPROXY = have('haproxy') ? 'haproxy' : have('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined;

describe.skipIf(!HAPROXY)('deploy/haproxy.cfg', () => {
  it('is a configuration HAProxy accepts', () => {
    const r = spawnSync(HAPROXY!, ['-c', '-f', join(DEPLOY, 'haproxy.cfg')]);
    expect(r.status, r.stderr.toString()).toBe(0);
  });

  describe('in front of servers', () => {
    type Name = 'replica1' | 'replica2' | 'writer';
    const NAMES: Name[] = ['replica1', 'replica2', 'writer'];
    /** What each stand-in answers now (but to HAProxy's health checks, `GET /`: always 200). */
    const status: Record<Name, number> = { replica1: 200, replica2: 200, writer: 200 };
    /** The requests each one got, as `METHOD URL`. */
    const got: Record<Name, string[]> = { replica1: [], replica2: [], writer: [] };
    const servers: Server[] = [];
    let haproxy: ChildProcess;
    let front: number;

    /** A request through HAProxy with every stand-in answering `statuses`; its answer and who got it. */
    async function through(statuses: Record<Name, number>, method: string, path: string) {
      Object.assign(status, statuses);
      for (const n of NAMES) got[n] = [];
      const answer = await http(front, method, path, { body: method === 'POST' ? 'x=1' : undefined });
      return { answer, got: { ...got } };
    }

    beforeAll(async () => {
      const port: Record<string, number> = {};
      for (const n of NAMES) {
        const s = createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            const check = req.url === '/';
            if (!check) got[n].push(`${req.method} ${req.url}`);
            const st = check ? 200 : status[n];
            res.writeHead(st, { 'Content-Type': 'text/plain', ...(st === 503 ? { 'Retry-After': '1' } : {}) });
            res.end(`${n} ${st}\n`);
          });
        });
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
        servers.push(s);
        port[n] = (s.address() as { port: number }).port;
      }
      front = await freePort();
      const stats = await freePort();
      // the shipped file, but for the settings of a service (user, chroot, daemon, logs) and its addresses
      const cfg = readFileSync(join(DEPLOY, 'haproxy.cfg'), 'utf8')
        .replace(/^\s*(chroot|user|group|daemon|stats socket|log) .*\n/gm, '')
        .replace(/^(\s*bind) :80$/m, `$1 127.0.0.1:${front}`)
        .replace(/^(\s*bind) 127\.0\.0\.1:8404$/m, `$1 127.0.0.1:${stats}`)
        .replace(/^(\s*server (\w+)) \S+/gm, (all, head: string, n: string) => `${head} 127.0.0.1:${port[n]}`);
      const file = join(tempDir(), 'haproxy.cfg');
      writeFileSync(file, cfg);
      haproxy = spawn(HAPROXY!, ['-db', '-f', file], { stdio: 'ignore' });
      // until HAProxy's checks see every server up
      for (let i = 0; ; i++) {
        const csv = await http(stats, 'GET', '/stats;csv').catch(() => undefined);
        // (rows pxname,svname,...: the 4 servers', not the BACKEND and FRONTEND rows)
        const up = csv?.body.split('\n').filter((l) => /^(replicas|writer),(replica\d|writer),.*,UP,/.test(l)).length;
        if (up === 4) break;
        if (i > 100) throw new Error(`HAProxy does not see its servers up: ${csv?.body}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    afterAll(() => {
      haproxy?.kill();
      for (const s of servers) s.close();
    });

    it('answers a GET a replica refuses with 503 from the other replica', async () => {
      // round-robin: each replica is asked first in turn
      for (const path of ['/virtualization/?q=s:virtio', '/virtualization/?q=s:vsock']) {
        const { answer, got } = await through({ replica1: 503, replica2: 200, writer: 200 }, 'GET', path);
        expect(answer.status).toBe(200);
        expect(answer.body).toBe('replica2 200\n');
        expect(got.replica2).toEqual([`GET ${path}`]);
      }
      // and the searches lei and b4 POST (reads too)
      const search = '/virtualization/?q=s:virtio&x=m';
      const r = await through({ replica1: 200, replica2: 503, writer: 200 }, 'POST', search);
      expect(r.answer.status).toBe(200);
      expect(r.got.replica1).toEqual([`POST ${search}`]);
    });

    it('never replays any other POST, to a replica or to the writer', async () => {
      for (let i = 0; i < 2; i++) {
        const { answer, got } = await through(
          { replica1: 503, replica2: 503, writer: 200 },
          'POST',
          '/virtualization/x',
        );
        expect(answer.status).toBe(503);
        expect(got.replica1.length + got.replica2.length).toBe(1);
      }
      const api = '/api/1.0/patches/1/checks/';
      const { answer, got } = await through({ replica1: 200, replica2: 200, writer: 503 }, 'POST', api);
      expect(answer.status).toBe(503);
      expect(got).toEqual({ replica1: [], replica2: [], writer: [`POST ${api}`] });
    });

    it('passes on the 503 of a request every replica refuses, after trying each', async () => {
      const { answer, got } = await through({ replica1: 503, replica2: 503, writer: 200 }, 'GET', '/virtualization/');
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      // the first try and 3 retries, alternating; the writer, a backup, stands in only for replicas down
      expect([got.replica1.length, got.replica2.length, got.writer.length]).toEqual([2, 2, 0]);
    });
  });
});

describe.skipIf(!have('systemd-analyze'))('deploy/systemd', () => {
  it('units systemd-analyze verifies without a warning', () => {
    // verify wants the programs the units run: this clone's, in copies of the units (drop-ins too)
    const dir = tempDir();
    const files = readdirSync(join(DEPLOY, 'systemd'), { recursive: true, encoding: 'utf8' });
    for (const f of files) {
      const from = join(DEPLOY, 'systemd', f);
      if (statSync(from).isDirectory()) mkdirSync(join(dir, f));
      else writeFileSync(join(dir, f), readFileSync(from, 'utf8').replaceAll('/usr/local/bin/lorekeeper', CLI));
    }
    const units = files.filter((f) => f.endsWith('.service'));
    expect(units).toHaveLength(3);
    const r = spawnSync('systemd-analyze', ['verify', ...units.map((u) => u.replace('@.', '@virtualization.'))], {
      cwd: dir,
    });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
  });
});
