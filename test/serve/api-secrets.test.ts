// Tokens never leave the writer's store as anything but hashes: a real `lorekeeper serve` taking
// writes that succeed and writes that are refused (bad tokens, huge and malformed bodies) prints
// no token in its logs, and the state it publishes for replicas (admin.git, every commit and file)
// holds none either.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { fixtureStore } from '../helpers/store.js';
import { have } from '../helpers/programs.js';

describe.skipIf(!have('git'))('API tokens', () => {
  it('appear in no log line of a running server and nowhere in the published admin.git', async () => {
    const dir = fixtureStore();
    const make = (role: string) =>
      runCli([
        'token',
        'create',
        '--data',
        dir,
        '--user',
        `u-${role}`,
        '--inbox',
        'virtualization',
        '--role',
        role,
      ]).stdout.trim();
    const [maintainer, ci] = [make('maintainer'), make('ci')];
    const server = startCli(['serve', '--data', dir, '--port', '0', '--workers', '1']);
    let log = '';
    server.stdout!.on('data', (c: Buffer) => (log += c));
    server.stderr!.on('data', (c: Buffer) => (log += c));
    const origin = await new Promise<string>((resolve) => {
      const look = () => {
        const m = /serving (http:\/\/\S+?)\/?\n/.exec(log);
        if (m) resolve(m[1]);
        else setTimeout(look, 50);
      };
      look();
    });
    try {
      const send = (
        path: string,
        method: string,
        token: string,
        body?: string,
        type = 'application/x-www-form-urlencoded',
      ) =>
        fetch(`${origin}${path}`, { method, headers: { authorization: `Token ${token}`, 'content-type': type }, body });
      const statuses = [
        (await send('/api/1.2/patches/100/', 'PATCH', maintainer, 'state=accepted')).status,
        (await send('/api/1.2/patches/100/checks/', 'POST', ci, 'state=success&context=build')).status,
        (await send('/api/1.2/patches/100/', 'PATCH', ci, 'state=accepted')).status,
        (await send('/api/1.2/patches/100/', 'PATCH', `${maintainer}x`, 'state=accepted')).status,
        (await send('/api/1.2/patches/100/', 'PATCH', maintainer, 'x'.repeat(100_000))).status,
        (await send('/api/1.2/patches/100/', 'PATCH', maintainer, '{', 'application/json')).status,
        (await send('/api/1.2/nothing/', 'DELETE', maintainer)).status,
        (await send(`/api/1.2/patches/?msgid=${maintainer}`, 'GET', maintainer)).status,
      ];
      expect(statuses).toEqual([200, 201, 403, 401, 413, 400, 404, 200]);
      // the state is published a moment after the last write
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    for (const t of [maintainer, ci]) expect(log).not.toContain(t);
    const admin = join(dir, 'admin.git');
    const history = execFileSync('git', ['-C', admin, 'log', '-p', '--all', '--format=%H %s'], { encoding: 'utf8' });
    expect(history).toContain('api PATCH /api/1.2/patches/100/');
    expect(history).toContain('"u-ci"');
    for (const t of [maintainer, ci]) expect(history).not.toContain(t);
  });
});
