// What the Patchwork API writes on the writer (checks, states, their users) reaches read replicas:
// the writer publishes it in admin.git a moment after the last write, `lorekeeper mirror` of the
// writer takes it over with the writer's ids, and the replica's API and pages show it; its digest
// is the writer's.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { createToken, runCliBeside, runCliHere } from '../helpers/cli.js';
import { digestOf, fixtureStore } from '../helpers/store.js';
import { have } from '../helpers/programs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { buildApp, type App } from '../../src/serve/app.js';

const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
const digest = digestOf;

describe.skipIf(!have('git'))("the API's writes on a writer's replicas", () => {
  let writer: string;
  const replica = tempDir();
  let app: App;
  let url: string;
  let replicaServed: TestServer;
  let maintainer: string;
  let ci: string;

  const post = (path: string, method: 'POST' | 'PATCH', token: string, body: Record<string, string>) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Token ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
  const follow = async () => {
    await app.publisher.flush();
    const r = await runCliBeside(['mirror', '--data', replica, '--json', '--jobs', '0', `${url}/`]);
    expect(r.status, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    writer = fixtureStore();
    maintainer = await createToken(writer, 'maint', 'virtualization', 'maintainer');
    ci = await createToken(writer, 'ci-bot', 'virtualization', 'ci');
    app = await buildApp({ dataDir: writer, publishDelayMs: 50 });
    url = new URL(await app.fastify.listen({ host: '127.0.0.1', port: 0 })).origin;
  });
  afterAll(async () => {
    await replicaServed?.close();
    await app.fastify.close();
  });

  it('shows the checks and states posted on the writer after its next follow, with the same ids', async () => {
    // token create publishes the new user's name (never the token)
    const users = execFileSync('git', ['-C', join(writer, 'admin.git'), 'show', 'master:api-users'], {
      encoding: 'utf8',
    });
    expect(users).toBe('[1,"maint"]\n[2,"ci-bot"]\n');
    expect((await post('/api/1.2/patches/101/checks/', 'POST', ci, { state: 'fail', context: 'build' })).status).toBe(
      201,
    );
    expect((await post('/api/1.2/patches/102/', 'PATCH', maintainer, { state: 'rejected' })).status).toBe(200);
    await follow();
    expect(digest(replica)).toBe(digest(writer));

    replicaServed = await startServer(replica);
    const api = async (path: string) => (await fetch(`${replicaServed.url}/api/1.2${path}`)).json();
    expect(await api('/patches/101/')).toMatchObject({ id: 101, check: 'fail' });
    expect(await api('/patches/102/')).toMatchObject({ id: 102, state: 'rejected' });
    expect(await api('/patches/101/checks/')).toEqual([
      expect.objectContaining({
        id: 1,
        state: 'fail',
        context: 'build',
        user: expect.objectContaining({ id: 2, username: 'ci-bot' }),
      }),
    ]);
    const page = await (await fetch(`${replicaServed.url}/virtualization/${RING_COVER}/series/`)).text();
    expect(page).toContain('        checks: <b>fail</b>\n          build: fail (ci-bot)');
    // tokens stay on the writer: the replica has none, and takes no writes
    expect((await runCliHere(['token', 'list', '--data', replica])).stdout).toBe('');
    const refused = await fetch(`${replicaServed.url}/api/1.2/patches/101/`, {
      method: 'PATCH',
      headers: { authorization: `Token ${maintainer}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'state=accepted',
    });
    expect(refused.status).toBe(403);

    // a re-run replaces the result: the running replica drops its cached answers on the next follow
    expect(
      (await post('/api/1.2/patches/101/checks/', 'POST', ci, { state: 'success', context: 'build' })).status,
    ).toBe(201);
    await follow();
    expect(digest(replica)).toBe(digest(writer));
    expect(await api('/patches/101/')).toMatchObject({ check: 'success' });
    expect(await (await fetch(`${replicaServed.url}/virtualization/${RING_COVER}/series/`)).text()).toContain(
      'checks: <b>success</b>',
    );
  });
});
