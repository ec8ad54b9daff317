// Where series stand, on the series list (a state per series, ?state= to see one state) and on a
// series page (the series' state, each patch's, who set it), over real series.
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { buildApp, type App } from '../../src/serve/app.js';
import { openDatabase } from '../../src/store/open-database.js';
import { setPatchState } from '../../src/store/patch-states.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { midUrl } from '../helpers/app.js';

/** In chain-targets.mbox: a fix, and its RESEND two weeks later. */
const VSOCK = '20190501003001.186239-1-jemoreira@google.com';
const VSOCK_RESEND = '20190516205107.222003-1-jemoreira@google.com';
/** The virtio_ring v2 series: every patch has a Reviewed-by from a reply. */
const RING_COVER = '20230315185458.11638-1-feliu@nvidia.com';
const RING_PATCH_2 = '20230315185458.11638-3-feliu@nvidia.com';

let app: App;
const get = async (url: string) => {
  const r = await app.fastify.inject({ url });
  return { status: r.statusCode, body: r.body };
};
/** The series a list page shows, by the Message-ID its link names, with the state shown. */
const listed = (body: string): [string, string][] =>
  [...body.matchAll(/href="\.\.\/([^"]+)\/series\/">[^<]*<\/a>\n\s+\[([^\]]+)\]/g)].map((m) => [
    decodeURIComponent(m[1]),
    m[2],
  ]);

beforeAll(async () => {
  const dir = tempDir();
  await ingest({
    dataDir: dir,
    inbox: 'virtualization',
    sources: [fixture('chain-targets.mbox'), fixture('virtio-ring-cleanup-v2.thread.mbox')],
    jobs: 0,
  });
  const db = openDatabase(dir);
  const num = db.prepare('SELECT num FROM msg WHERE mid = ?').pluck().get(RING_PATCH_2) as number;
  setPatchState(db, num, 'changes-requested', 'Michael S. Tsirkin', Date.UTC(2023, 2, 20) / 1000);
  db.close();
  app = await buildApp({ dataDir: dir });
});
afterAll(async () => app?.fastify.close());

describe('series states on pages', () => {
  it('shows every series on the list with its state', async () => {
    const all = new Map(listed((await get('/virtualization/series/')).body));
    expect(all.get(VSOCK)).toBe('superseded');
    expect(all.get(VSOCK_RESEND)).toBe('new');
    // one patch changes-requested by hand, the two others under review from their Reviewed-by
    expect(all.get(RING_COVER)).toBe('under-review (2 under-review, 1 changes-requested)');
  });

  it('lists only the series in the state ?state= names, with links to each state', async () => {
    const superseded = await get('/virtualization/series/?state=superseded');
    expect(superseded.status).toBe(200);
    const shown = listed(superseded.body);
    expect(shown.map(([mid]) => mid)).toContain(VSOCK);
    expect(shown.every(([, state]) => state.startsWith('superseded'))).toBe(true);
    expect(shown.map(([mid]) => mid)).not.toContain(VSOCK_RESEND);
    expect(superseded.body).toContain('<b>superseded</b>');
    expect(superseded.body).toContain('href="?state=under-review"');
    const rejected = await get('/virtualization/series/?state=rejected');
    expect(rejected.status).toBe(404);
    expect(rejected.body).toContain('[no patch series in state rejected here]');
    const bad = await get('/virtualization/series/?state=%3Cscript%3E');
    expect(bad.status).toBe(400);
    expect(bad.body).not.toContain('<script>');
  });

  it("shows on a series page the series' state and each patch's, and who set one by hand", async () => {
    const page = (await get(midUrl('virtualization', RING_COVER, 'series/'))).body;
    expect(page).toContain('state: under-review (2 under-review, 1 changes-requested)');
    expect(page).toContain('href="../../series/?state=under-review"');
    const states = [...page.matchAll(/^ {8}state: (.*)$/gm)].map((m) => m[1]);
    expect(states).toEqual([
      'under-review',
      'changes-requested (set by Michael S. Tsirkin on 2023-03-20  0:00 UTC)',
      'under-review',
    ]);
  });
});
