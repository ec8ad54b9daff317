// The Patchwork REST API 1.2 subset on the real app over the fixtures: Patchwork's JSON shapes
// field for field, the filters b4 and git-pw send, Link pagination, ids that follow from the mail
// alone, checks combined as Patchwork combines them, events, and every refusal of a write (no token,
// a revoked one, another inbox's, the wrong role, a huge or malformed body): JSON reasons, nothing
// written, no stack trace.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { fixtureStore, FIXTURE_INBOXES } from '../helpers/store.js';
import { createToken, runCliHere } from '../helpers/cli.js';
import { buildApp, type App } from '../../src/serve/app.js';
import { ingest } from '../../src/ingest/ingest.js';
import { fixture } from '../helpers/paths.js';
import { storeDigest } from '../../src/store/digest.js';
import { storePath } from '../../src/store/open-database.js';
import { midEscape } from '../../src/mail/message-id.js';

const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
const RING_PATCH_1 = '20230315185458.11638-2-feliu@nvidia.com';

/** Fields of Patchwork 1.2's serializers (patchwork/api/*.py), as its clients read them. */
const FIELDS = {
  series:
    'id url web_url project name date submitter version total received_total received_all mbox cover_letter patches',
  patch:
    'id url web_url project msgid list_archive_url date name commit_ref pull_url state archived hash submitter delegate mbox series comments check checks tags related',
  patchDetail: 'headers content diff prefixes',
  cover: 'id url web_url project msgid list_archive_url date name submitter mbox series comments',
  project:
    'id url name link_name list_id list_email web_url scm_url webscm_url list_archive_url list_archive_url_format commit_url_format',
  person: 'id url name email',
  seriesEmbedded: 'id url web_url name date version mbox',
  patchEmbedded: 'id url web_url msgid list_archive_url date name mbox',
  check: 'id url user date state target_url context description',
  event: 'id category project date actor payload',
};
const keys = (o: object) => Object.keys(o).sort();
const fields = (s: string) => s.split(' ').sort();

type Json = Record<string, unknown>;

describe('the Patchwork API', () => {
  let dir: string;
  let app: App;
  let maintainer: string;
  let ci: string;
  let otherInbox: string;
  let revoked: string;

  const get = async (url: string) => {
    const r = await app.fastify.inject({ method: 'GET', url, headers: { host: 'lk.example' } });
    return { status: r.statusCode, headers: r.headers, json: r.json() as unknown };
  };
  const write = async (
    method: 'PATCH' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts: { token?: string; body?: string; type?: string; authorization?: string } = {},
  ) => {
    const headers: Record<string, string> = { host: 'lk.example' };
    if (opts.type) headers['content-type'] = opts.type;
    if (opts.token) headers.authorization = `Token ${opts.token}`;
    if (opts.authorization) headers.authorization = opts.authorization;
    const r = await app.fastify.inject({ method, url, headers, payload: opts.body });
    return { status: r.statusCode, headers: r.headers, body: r.body };
  };
  const form = (fields: Record<string, string>) => ({
    body: new URLSearchParams(fields).toString(),
    type: 'application/x-www-form-urlencoded',
  });
  const digest = () => {
    const db = app.db;
    return storeDigest(db);
  };

  beforeAll(async () => {
    dir = fixtureStore();
    maintainer = await createToken(dir, 'maint', 'virtualization', 'maintainer');
    ci = await createToken(dir, 'ci-bot', 'virtualization', 'ci');
    otherInbox = await createToken(dir, 'iommu-ci', 'iommu', 'ci');
    revoked = await createToken(dir, 'gone', 'virtualization', 'maintainer');
    expect((await runCliHere(['token', 'revoke', '--data', dir, '4'])).stdout).toBe('token 4 revoked\n');
    app = await buildApp({ dataDir: dir, publishDelayMs: 60_000 });
  });
  afterAll(async () => app.fastify.close());

  it('lists series, patches, cover letters, people and projects in Patchwork 1.2 shapes', async () => {
    const series = (await get('/api/1.2/series/?project=virtualization')).json as Json[];
    expect(series).toHaveLength(1);
    const s = series[0];
    expect(keys(s)).toEqual(fields(FIELDS.series));
    expect(keys(s.project as Json)).toEqual(fields(FIELDS.project));
    expect(keys(s.submitter as Json)).toEqual(fields(FIELDS.person));
    expect(keys(s.cover_letter as Json)).toEqual(fields(FIELDS.patchEmbedded));
    expect(s).toMatchObject({
      id: 100,
      url: 'http://lk.example/api/1.2/series/100/',
      web_url: `http://lk.example/virtualization/${RING_COVER}/series/`,
      mbox: `http://lk.example/virtualization/${RING_COVER}/series.mbox`,
      name: 'virtio_ring: Clean up code for virtio ring and pci',
      date: '2023-03-15T18:54:55',
      version: 2,
      total: 3,
      received_total: 3,
      received_all: true,
    });
    expect((s.patches as Json[]).map((p) => p.id)).toEqual([100, 101, 102]);
    expect((s.cover_letter as Json).msgid).toBe(`<${RING_COVER}>`);

    const patch = (await get(`/api/1.2/patches/100/`)).json as Json;
    expect(keys(patch)).toEqual([...fields(FIELDS.patch), ...fields(FIELDS.patchDetail)].sort());
    expect(keys((patch.series as Json[])[0])).toEqual(fields(FIELDS.seriesEmbedded));
    expect(patch).toMatchObject({
      id: 100,
      msgid: `<${RING_PATCH_1}>`,
      name: '[v2,1/3] virtio_ring: Allow non power of 2 sizes for packed virtqueue',
      prefixes: ['v2', '1/3'],
      state: 'under-review',
      archived: false,
      check: 'pending',
      mbox: `http://lk.example/virtualization/${RING_PATCH_1}/patch.mbox`,
      list_archive_url: `http://lk.example/virtualization/${RING_PATCH_1}/`,
    });
    expect(patch.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(patch.content).toContain('According to the Virtio Specification');
    expect(patch.diff).toMatch(/^diff --git a\/drivers\/virtio\/virtio_pci_modern.c/);
    expect((patch.headers as Json)['message-id']).toBe(`<${RING_PATCH_1}>`);

    const cover = (await get('/api/1.2/covers/99/')).json as Json;
    expect(keys(cover)).toEqual([...fields(FIELDS.cover), 'content', 'headers'].sort());
    const person = (await get(`/api/1.2/people/${(s.submitter as Json).id}/`)).json as Json;
    expect(person).toEqual({ ...(s.submitter as Json), user: null });
    // a person's id is the number of their first message: a later one names nobody
    expect((await get(`/api/1.2/people/${((s.submitter as Json).id as number) + 1}/`)).status).toBe(404);
    const projects = (await get('/api/1.2/projects/')).json as Json[];
    expect(projects.map((p) => p.link_name)).toEqual(FIXTURE_INBOXES.map((i) => i.name));
    expect((await get('/api/1.2/projects/virtualization/')).json).toEqual(projects[1]);
  });

  it("answers b4's lookup by Message-ID and git-pw's filters; unknown names filter everything out", async () => {
    const b4 = (await get(`/api/1.2/patches/?project=virtualization&archived=false&msgid=${midEscape(RING_PATCH_1)}`))
      .json as Json[];
    expect(b4.map((p) => [p.id, p.state])).toEqual([[100, 'under-review']]);
    expect((await get(`/api/1.2/patches/?project=iommu&msgid=${midEscape(RING_PATCH_1)}`)).json).toEqual([]);
    expect((await get(`/api/1.2/patches/?msgid=${midEscape(RING_COVER)}`)).json).toEqual([]);
    const states = (await get('/api/1.2/patches/?project=virtualization&state=new&state=under-review&order=-date'))
      .json as Json[];
    expect(states.map((p) => p.id)).toEqual([102, 101, 100]);
    expect((await get('/api/1.2/patches/?project=virtualization&state=accepted')).json).toEqual([]);
    expect((await get('/api/1.2/series/?project=nosuchlist')).json).toEqual([]);
    expect((await get('/api/1.2/patches/?archived=true')).json).toEqual([]);
    expect((await get('/api/1.2/series/?since=2030-01-01T00:00:00')).json).toEqual([]);
    expect(((await get('/api/1.2/series/?q=virtio_ring+clean')).json as Json[]).map((x) => x.id)).toEqual([100]);
    const hash = ((await get('/api/1.2/patches/101/')).json as Json).hash as string;
    expect(((await get(`/api/1.2/patches/?hash=${hash.toUpperCase()}`)).json as Json[]).map((p) => p.id)).toEqual([
      101,
    ]);
    const byEmail = (await get('/api/1.2/series/?submitter=yi.l.liu@INTEL.com')).json as Json[];
    expect(byEmail.map((x) => (x.submitter as Json).email)).toEqual(['yi.l.liu@intel.com']);
  });

  it('pages by Link headers: 30 by default, per_page up to 100, a page past the last is a 404', async () => {
    const first = await get('/api/1.2/patches/?project=iommu&per_page=5');
    expect(first.json as Json[]).toHaveLength(5);
    expect(first.headers.link).toBe(
      [
        '<http://lk.example/api/1.2/patches/?page=2&per_page=5&project=iommu>; rel="next"',
        '<http://lk.example/api/1.2/patches/?page=1&per_page=5&project=iommu>; rel="first"',
        '<http://lk.example/api/1.2/patches/?page=4&per_page=5&project=iommu>; rel="last"',
      ].join(', '),
    );
    const last = await get('/api/1.2/patches/?project=iommu&per_page=5&page=4');
    expect((last.json as Json[]).map((p) => p.id)).toHaveLength(1);
    expect(last.headers.link).toContain('rel="prev"');
    expect(((await get('/api/1.2/patches/?project=iommu')).json as Json[]).length).toBe(16);
    expect(await get('/api/1.2/patches/?project=iommu&page=5&per_page=5')).toMatchObject({
      status: 404,
      json: { detail: 'Invalid page.' },
    });
  });

  it('gives the same ids and answers for a store ingested again, in other batches', async () => {
    const again = tempDir();
    for (const ib of [...FIXTURE_INBOXES])
      for (const source of ib.sources)
        await ingest({
          dataDir: again,
          inbox: ib.name,
          address: ib.address,
          description: ib.description,
          sources: [fixture(source)],
          jobs: 1,
        });
    const other = await buildApp({ dataDir: again });
    try {
      for (const url of [
        '/api/1.2/series/?per_page=100',
        '/api/1.2/patches/?per_page=100',
        '/api/1.2/people/?per_page=100',
        '/api/1.2/covers/',
        '/api/1.2/events/?category=patch-created',
      ]) {
        const theirs = await other.fastify.inject({ method: 'GET', url, headers: { host: 'lk.example' } });
        expect(theirs.body, url).toBe(JSON.stringify((await get(url)).json));
      }
    } finally {
      await other.fastify.close();
    }
  });

  it('refuses every write it should with a JSON reason, writing nothing and showing no stack trace', async () => {
    const before = digest();
    const refusals: [Promise<{ status: number; body: string; headers: Record<string, unknown> }>, number, RegExp][] = [
      [write('PATCH', '/api/1.2/patches/100/', form({ state: 'accepted' })), 401, /credentials were not provided/],
      [
        write('PATCH', '/api/1.2/patches/100/', { ...form({ state: 'accepted' }), token: 'nope' }),
        401,
        /Invalid token/,
      ],
      [write('PATCH', '/api/1.2/patches/100/', { ...form({ state: 'accepted' }), token: revoked }), 401, /revoked/],
      [
        write('PATCH', '/api/1.2/patches/100/', {
          ...form({ state: 'accepted' }),
          authorization: 'Basic bWFpbnQ6eA==',
        }),
        401,
        /Only token authentication/,
      ],
      [write('PATCH', '/api/1.2/patches/100/', { ...form({ state: 'accepted' }), token: ci }), 403, /ci token/],
      [
        write('POST', '/api/1.2/patches/100/checks/', { ...form({ state: 'success' }), token: maintainer }),
        403,
        /maintainer token: posting a check needs a ci token/,
      ],
      [
        write('POST', '/api/1.2/patches/100/checks/', { ...form({ state: 'success' }), token: otherInbox }),
        403,
        /may not write to project "virtualization"/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', { ...form({ state: 'merged' }), token: maintainer }),
        400,
        /Invalid state/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', { ...form({ commit_ref: 'abc' }), token: maintainer }),
        400,
        /commit_ref/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', { body: '{"state": ', type: 'application/json', token: maintainer }),
        400,
        /JSON parse error/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', { body: '["accepted"]', type: 'application/json', token: maintainer }),
        400,
        /Expected a dictionary/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', {
          body: '--x\r\n',
          type: 'multipart/form-data; boundary=x',
          token: maintainer,
        }),
        415,
        /Unsupported media type/,
      ],
      [
        write('PATCH', '/api/1.2/patches/100/', {
          body: `state=accepted&x=${'a'.repeat(20_000)}`,
          type: 'application/x-www-form-urlencoded',
          token: maintainer,
        }),
        413,
        /too large/,
      ],
      [
        write('POST', '/api/1.2/patches/100/checks/', {
          ...form({ state: 'success', target_url: 'javascript:alert(1)' }),
          token: ci,
        }),
        400,
        /valid http or https URL/,
      ],
      [
        write('POST', '/api/1.2/patches/100/checks/', { ...form({ state: 'success', context: 'a b' }), token: ci }),
        400,
        /context/,
      ],
      [
        write('POST', '/api/1.2/patches/100/checks/', { ...form({ state: 'passed' }), token: ci }),
        400,
        /not a valid choice/,
      ],
      [write('POST', '/api/1.2/patches/99/checks/', { ...form({ state: 'success' }), token: ci }), 404, /Not found/],
      [write('DELETE', '/api/1.2/patches/100/', { token: maintainer }), 405, /not allowed/],
      [write('POST', '/api/1.2/series/', { token: maintainer }), 405, /not allowed/],
    ];
    for (const [answer, status, why] of refusals) {
      const r = await answer;
      expect(r.status, r.body).toBe(status);
      expect(r.headers['content-type']).toBe('application/json');
      const said = JSON.parse(r.body) as Record<string, string | string[]>;
      expect(Object.values(said).flat().join(' ')).toMatch(why);
      expect(r.body).not.toMatch(/\bat \S+ \(|\.[jt]s:\d|\/src\/|node_modules|Error:/);
      expect(r.body).not.toContain(maintainer);
    }
    expect(digest()).toBe(before);
  });

  it('stores checks from a ci token and combines them as Patchwork does: the latest per context, fail first', async () => {
    const post = (fields: Record<string, string>) =>
      write('POST', '/api/1.2/patches/101/checks/', { ...form(fields), token: ci });
    const combined = async () => ((await get('/api/1.2/patches/101/')).json as Json).check;
    expect(await combined()).toBe('pending');
    const first = await post({
      state: 'fail',
      context: 'build',
      target_url: 'https://ci.example.org/1',
      description: 'build <b>broke</b>',
    });
    expect(first.status).toBe(201);
    const check = JSON.parse(first.body) as Json;
    expect(keys(check)).toEqual(fields(FIELDS.check));
    expect(check).toMatchObject({ state: 'fail', context: 'build', user: { username: 'ci-bot' } });
    expect(await combined()).toBe('fail');
    expect((await post({ state: 'success', context: 'build' })).status).toBe(201);
    expect(await combined()).toBe('success');
    expect((await post({ state: 'warning', context: 'checkpatch' })).status).toBe(201);
    expect(await combined()).toBe('warning');
    // JSON bodies as CI bots send them
    const json = await write('POST', '/api/1.2/patches/101/checks/', {
      body: JSON.stringify({ state: 'pending', context: 'boot', target_url: null }),
      type: 'application/json',
      token: ci,
    });
    expect(json.status, json.body).toBe(201);
    expect(await combined()).toBe('warning');
    const list = (await get('/api/1.2/patches/101/checks/')).json as Json[];
    expect(list.map((c) => [c.context, c.state])).toEqual([
      ['build', 'fail'],
      ['build', 'success'],
      ['checkpatch', 'warning'],
      ['boot', 'pending'],
    ]);
    expect((await get(`/api/1.2/patches/101/checks/${list[0].id as number}/`)).json).toEqual(list[0]);
    expect((await get('/api/1.2/patches/101/checks/?context=build&state=success')).json).toEqual([list[1]]);

    // pages show them, the description escaped, the results linked
    const page = await app.fastify.inject(`/virtualization/${RING_COVER}/series/`);
    expect(page.body).toContain(
      '        checks: <b>warning</b>\n          build: success (ci-bot)\n          checkpatch: warning (ci-bot)\n          boot: pending (ci-bot)',
    );
    const msg = await app.fastify.inject(`/virtualization/${RING_COVER.replace('-1-', '-3-')}/`);
    expect(msg.body).toContain('(complete)\nchecks: <b>warning</b>\n  build: success (ci-bot)\n');
    const feed = await app.fastify.inject(`/virtualization/${RING_COVER}/series.atom`);
    expect(feed.body).toContain('<title>[v2] check build: fail on patch 2/3</title>');
    expect(feed.body).toContain('ci-bot: build &lt;b&gt;broke&lt;/b&gt; (https://ci.example.org/1)');
    const list2 = await app.fastify.inject('/virtualization/series/');
    expect(list2.body).toContain('checks: warning (1 warning, 1 pending, 1 success)');

    // a failed check outweighs a warning, whichever came first
    const on102 = (fields: Record<string, string>) =>
      write('POST', '/api/1.2/patches/102/checks/', { ...form(fields), token: ci });
    expect((await on102({ state: 'fail', context: 'sparse' })).status).toBe(201);
    expect((await on102({ state: 'warning', context: 'checkpatch' })).status).toBe(201);
    expect(((await get('/api/1.2/patches/102/')).json as Json).check).toBe('fail');
  });

  it('sets states with a maintainer token, JSON or form-encoded, and lists them as events', async () => {
    const r = await write('PATCH', '/api/1.2/patches/102/', {
      body: '{"state": "changes-requested"}',
      type: 'application/json',
      token: maintainer,
    });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ id: 102, state: 'changes-requested' });
    const cached = await get(
      `/api/1.2/patches/?project=virtualization&msgid=${midEscape(RING_COVER.replace('-1-', '-4-'))}`,
    );
    expect((cached.json as Json[])[0].state).toBe('changes-requested');
    const put = await write('PUT', '/api/1.2/patches/102/', {
      ...form({ state: 'Awaiting Upstream' }),
      token: maintainer,
    });
    expect(JSON.parse(put.body)).toMatchObject({ state: 'awaiting-upstream' });
    // a cached list is dropped by the write
    expect(
      (
        (await get(`/api/1.2/patches/?project=virtualization&msgid=${midEscape(RING_COVER.replace('-1-', '-4-'))}`))
          .json as Json[]
      )[0].state,
    ).toBe('awaiting-upstream');

    const events = (await get('/api/1.2/events/?project=virtualization')).json as Json[];
    expect(keys(events[0])).toEqual(fields(FIELDS.event));
    const changed = events.filter((e) => e.category === 'patch-state-changed');
    expect(changed.map((e) => e.payload)).toEqual([
      expect.objectContaining({ previous_state: 'changes-requested', current_state: 'awaiting-upstream' }),
      expect.objectContaining({ previous_state: 'under-review', current_state: 'changes-requested' }),
    ]);
    expect((changed[0].actor as Json).username).toBe('maint');
    const checks = (await get('/api/1.2/events/?category=check-created&project=virtualization')).json as Json[];
    expect(checks).toHaveLength(6);
    expect((checks.at(-1)!.payload as Json).check).toMatchObject({ context: 'build', state: 'fail' });
    const created = (await get('/api/1.2/events/?category=series-created&project=virtualization')).json as Json[];
    expect(created.map((e) => (e.payload as Json).series)).toEqual([expect.objectContaining({ id: 100, version: 2 })]);
  });

  it('keeps only hashes of tokens: not in the store, not in token list', async () => {
    const bytes = readFileSync(storePath(dir));
    for (const t of [maintainer, ci, otherInbox, revoked]) expect(bytes.includes(t)).toBe(false);
    const list = (await runCliHere(['token', 'list', '--data', dir])).stdout;
    expect(list).toMatch(/^1\tmaint\tmaintainer\tvirtualization\tmade \S+\tactive\n2\tci-bot\tci\tvirtualization/);
    expect(list).toMatch(/4\tgone\tmaintainer\tvirtualization\tmade \S+\trevoked /);
    for (const t of [maintainer, ci]) expect(list).not.toContain(t);
    expect(
      (await runCliHere(['token', 'create', '--data', dir, '--user', 'x', '--inbox', 'nope', '--role', 'ci'])).stderr,
    ).toMatch(/no inbox "nope"/);
    expect(
      (await runCliHere(['token', 'create', '--data', dir, '--user', 'x', '--inbox', 'kvm', '--role', 'admin'])).status,
    ).toBe(2);
    expect((await runCliHere(['token', 'revoke', '--data', dir, '4'])).status).toBe(1);
  });

  it('takes no writes on a read replica (an admin.git fetched from a writer)', async () => {
    const replica = tempDir();
    await ingest({
      dataDir: replica,
      inbox: 'virtualization',
      sources: [fixture('virtio-ring-cleanup-v2.thread.mbox')],
      jobs: 1,
    });
    const repo = join(replica, 'admin.git');
    execFileSync('git', ['init', '-q', '--bare', repo]);
    execFileSync('git', ['-C', repo, 'remote', 'add', 'origin', 'http://writer.example/_/admin.git']);
    const r = await buildApp({ dataDir: replica });
    try {
      const answer = await r.fastify.inject({
        method: 'PATCH',
        url: '/api/1.2/patches/1/',
        payload: 'state=accepted',
        headers: { authorization: `Token ${maintainer}`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.statusCode).toBe(403);
      expect(answer.json()).toEqual({ detail: 'This is a read replica: send writes to its writer.' });
    } finally {
      await r.fastify.close();
    }
  });
});
