import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { messageIds } from '../../src/mail/message-id.js';
import { analyzeMessage } from '../../src/mail/analyze.js';
import type { StoreReader } from '../../src/store/reader.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { SeriesWriter } from '../../src/store/series-writer.js';
import { corpus, haveCorpus, tempDir } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { jsonSummary, runCli } from '../helpers/cli.js';
import { openReader } from '../helpers/store.js';
import { appOver, midUrl } from '../helpers/app.js';
import type { App } from '../../src/serve/app.js';

/** Every 50th message of the archive is compared with what the store gives back. */
const SAMPLE_EVERY = 50;

/** The archive cut into mbox files of `per` messages each, in order, byte for byte. */
function cutMbox(path: string, per: number, dir: string): string[] {
  const all = gunzipSync(readFileSync(path));
  const starts = [0];
  const from = Buffer.from('\nFrom mboxrd@z ');
  for (let i = all.indexOf(from); i >= 0; i = all.indexOf(from, i + 1)) starts.push(i + 1);
  const parts: string[] = [];
  for (let k = 0; k * per < starts.length; k++) {
    parts.push(join(dir, `part-${k}.mbox`));
    writeFileSync(parts[k], all.subarray(starts[k * per], starts[(k + 1) * per] ?? all.length));
  }
  return parts;
}

describe.skipIf(!haveCorpus('virtualization.mbox.gz'))('the whole virtualization list (27,573 real messages)', () => {
  const dir = tempDir();
  let summary: ReturnType<typeof jsonSummary>;
  let db: Db;
  let reader: StoreReader;
  beforeAll(() => {
    summary = jsonSummary(
      runCli(['ingest', '--data', dir, '--inbox', 'virtualization', '--json', corpus('virtualization.mbox.gz')]),
    );
    ({ db, reader } = openReader(dir));
  });
  afterAll(() => db.close());

  it('is the same store when ingested in runs of 2,000 messages, each chaining only the lineages of its new series', () => {
    const runs = tempDir();
    const parts = cutMbox(corpus('virtualization.mbox.gz'), 2000, tempDir());
    expect(parts).toHaveLength(14);
    for (const part of parts) runCli(['ingest', '--data', runs, '--inbox', 'virtualization', part]);
    const digest = (data: string) => runCli(['digest', '--data', data]).stdout.trim();
    expect(digest(runs)).toBe(digest(dir));
    // and a relink of every series from scratch changes no chain
    const store = openDatabase(runs);
    const chains = () => store.prepare('SELECT id, chain FROM series ORDER BY id').all();
    const found = chains();
    new SeriesWriter(store).relinkAll();
    expect(chains()).toEqual(found);
    store.close();
  });

  it('accounts for every message in the summary', () => {
    expect(summary.read).toBe(27573);
    expect(summary.added + summary.duplicates + summary.quarantined).toBe(27573);
    expect(summary.quarantined).toBe(0);
    // the archive holds 7 copies identical to an earlier one under the same Message-ID
    expect(summary.duplicates).toBe(7);
    expect(reader.messageCount({ inboxId: reader.inbox('virtualization')!.id })).toBe(summary.added);
  });

  it('gives back a sample of messages byte for byte', () => {
    const messages = readMbox(corpus('virtualization.mbox.gz'));
    const chash = db.prepare('SELECT chash FROM msg WHERE num = ?').pluck();
    let identical = 0;
    let duplicates = 0;
    for (let i = 0; i < messages.length; i += SAMPLE_EVERY) {
      const raw = messages[i];
      const mid = messageIds(HeaderBlock.parse(splitHeaderBody(raw).header))[0];
      const nums = reader.numsByMid(mid);
      if (nums.some((n) => reader.raw(n)!.equals(raw))) identical++;
      else {
        // a later copy that differs only in trace headers: counted as a duplicate of a stored one
        const hash = analyzeMessage(raw).contentHash;
        expect(
          nums.some((n) => (chash.get(n) as Buffer).equals(hash)),
          mid,
        ).toBe(true);
        duplicates++;
      }
    }
    expect(identical + duplicates).toBe(552);
    expect(duplicates).toBeLessThanOrEqual(summary.duplicates);
  });

  describe('patch series', () => {
    let app: App;
    beforeAll(async () => {
      app = await appOver(dir);
    });
    afterAll(async () => app.fastify.close());
    const json = async (mid: string) =>
      (await app.fastify.inject({ url: midUrl('virtualization', mid, 'series.json') })).json() as {
        versions: {
          version: number;
          total: number;
          complete: boolean;
          patches: { index: number; unchangedSince?: number }[];
        }[];
      };

    // the three chains README names, each found from its newest version
    for (const [name, mid, versions] of [
      ['vDPA support (Jason Wang)', '20200326140125.19794-1-jasowang@redhat.com', 9],
      [
        'i2c: virtio: add a virtio i2c frontend driver (Jie Deng)',
        'bcf2fb9bbe965862213f27e05f87ffc91283c0c5.1627018061.git.jie.deng@intel.com',
        15,
      ],
      ['ALSA: add virtio sound driver (Anton Yakovlev)', '20210302164709.3142702-1-anton.yakovlev@opensynergy.com', 7],
    ] as const) {
      it(`chains ${name}: v1..v${versions}`, async () => {
        const got = await json(mid);
        expect(got.versions.map((v) => v.version)).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
      });
    }

    it('shows the real interdiff of ALSA virtio sound v6..v7', async () => {
      const v = (await json('20210302164709.3142702-1-anton.yakovlev@opensynergy.com')).versions;
      expect(v[6]).toMatchObject({ version: 7, total: 9, complete: true });
      // the uapi ID patch never changed after v1
      expect(v[6].patches[0].unchangedSince).toBe(1);
      const page = (
        await app.fastify.inject({
          url: midUrl('virtualization', '20210302164709.3142702-1-anton.yakovlev@opensynergy.com', 'series/?vs=6'),
        })
      ).body;
      const inter = page.slice(page.indexOf('<b>Interdiff v6 .. v7</b>'));
      expect(inter).toContain(
        '<b>1/9 uapi: virtio_ids: add a sound device type ID from OASIS spec</b>\n  unchanged since v6',
      );
      // v7 2/9 adds an event dispatcher the v6 patch did not have
      const two = inter.slice(
        inter.indexOf('<b>2/9 ALSA: virtio: add virtio sound driver</b>'),
        inter.indexOf('<b>3/9 '),
      );
      expect(two).toContain('<span\nclass="add">++static void virtsnd_event_dispatch(struct virtio_snd *snd,\n</span>');
      expect(two).toContain(
        '<span\nclass="del">-+\t\twhile ((event = virtqueue_get_buf(vqueue, &#38;length)))\n</span>',
      );
    });

    it('finds at least three chains of three versions or more across the list', () => {
      const chains = db
        .prepare('SELECT count(*) FROM (SELECT chain FROM series GROUP BY chain HAVING count(DISTINCT version) >= 3)')
        .pluck()
        .get() as number;
      expect(chains).toBeGreaterThanOrEqual(100);
    });
  });
});
