// Version chains and the superseded state on real series of the virtualization list
// (fixtures/chain-targets.mbox): one fix for several stable branches, a RESEND, a series split
// between net and net-next, an RFC whose versions start again without it, a robot's patch in a
// series' thread, and a kernel series and its virtiofsd part sharing threads.
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { patchStates } from '../../src/store/patch-states.js';
import { fixture, tempDir } from '../helpers/paths.js';

let db: Db;

interface Found {
  id: number;
  chain: number;
  version: number;
  total: number;
  present: number;
  num: number;
}

/** The series whose first own patch has this Message-ID. */
function series(mid: string): Found {
  const s = db
    .prepare<[string], Found>(
      `SELECT s.id, s.chain, s.version, s.total, s.present, sp.num FROM msgid i JOIN id2num x ON x.id = i.id
       JOIN series_patch sp ON sp.num = x.num AND sp.counter > 0 AND sp.from_version IS NULL
       JOIN series s ON s.id = sp.series_id WHERE i.mid = ?`,
    )
    .get(mid);
  if (!s) throw new Error(`no series holds <${mid}>`);
  return s;
}
const chainOf = (mid: string) => series(mid).chain;
const stateOf = (mid: string) => patchStates(db, [series(mid).num]).get(series(mid).num)?.state;

const VSOCK = '20190501003001.186239-1-jemoreira@google.com';
const VSOCK_RESEND = '20190516205107.222003-1-jemoreira@google.com';
const VSOCK_STABLE = [
  '20190523181722.326937126@linuxfoundation.org',
  '20190523181733.037694312@linuxfoundation.org',
  '20190523181721.382827485@linuxfoundation.org',
  '20190523181712.037112440@linuxfoundation.org',
  '20190523181707.367273069@linuxfoundation.org',
];
const AUTOSEL = [
  '20220530132425.1929512-5-sashal@kernel.org',
  '20220530133133.1931716-4-sashal@kernel.org',
  '20220530135211.1937674-1-sashal@kernel.org',
];
const KMAP_RFC = '1557195809-12373-1-git-send-email-jasowang@redhat.com';
const KMAP_RFC_V2 = '1557406680-4087-1-git-send-email-jasowang@redhat.com';
const KMAP_NET = '1557725265-63525-1-git-send-email-jasowang@redhat.com';
const PARAV_SERIES = '20230202050038.3187-2-parav@nvidia.com';
const PARAV_NET = '20230202163516.12559-1-parav@nvidia.com';
const PARAV_NET_NEXT = '20230203133738.33527-1-parav@nvidia.com';
const IOVA_V2 = '20200821092813.8952-2-jasowang@redhat.com';
const LKP = '20200821122051.GA60229@ff58d72860ac';
const FUSE_V3 = '20210804070653.118123-2-jefflexu@linux.alibaba.com';
const FUSE_V4 = '20210817022220.17574-2-jefflexu@linux.alibaba.com';
const VIRTIOFSD_V1 = '20210804072411.1180-2-jefflexu@linux.alibaba.com';
const VIRTIOFSD_V2 = '20210811065621.12737-2-jefflexu@linux.alibaba.com';
const VIRTIOFSD_V4 = '20210817022347.18098-2-jefflexu@linux.alibaba.com';

beforeAll(async () => {
  const dir = tempDir();
  await ingest({ dataDir: dir, inbox: 'virtualization', sources: [fixture('chain-targets.mbox')], jobs: 0 });
  db = openDatabase(dir, { readonly: true });
});

describe('version chains of real series', () => {
  it('keep a fix sent to several stable branches as one series per branch, apart from the original', () => {
    const chains = [...VSOCK_STABLE, VSOCK].map(chainOf);
    expect(new Set(chains).size).toBe(chains.length);
    const autosel = AUTOSEL.map(chainOf);
    expect(new Set(autosel).size).toBe(AUTOSEL.length);
  });

  it('chain a RESEND with its original, which it supersedes', () => {
    expect(chainOf(VSOCK_RESEND)).toBe(chainOf(VSOCK));
    expect(series(VSOCK_RESEND).version).toBe(series(VSOCK).version);
    expect(stateOf(VSOCK)).toBe('superseded');
    expect(stateOf(VSOCK_RESEND)).toBe('new');
    for (const mid of [...VSOCK_STABLE, ...AUTOSEL]) expect(stateOf(mid), mid).toBe('new');
  });

  it('never chain a net series with a net-next one', () => {
    expect(chainOf(PARAV_NET)).not.toBe(chainOf(PARAV_NET_NEXT));
    // the untagged series they came from shares a patch with each: too weak to join it to either
    expect(chainOf(PARAV_SERIES)).not.toBe(chainOf(PARAV_NET));
    expect(chainOf(PARAV_SERIES)).not.toBe(chainOf(PARAV_NET_NEXT));
  });

  it('chain an RFC with the series that follows it under the same title, whose versions start again', () => {
    expect(chainOf(KMAP_RFC_V2)).toBe(chainOf(KMAP_RFC));
    expect(chainOf(KMAP_NET)).toBe(chainOf(KMAP_RFC));
    expect(series(KMAP_NET).version).toBe(1);
    // the later [PATCH net] v1 supersedes RFC v2; RFC v2, sent earlier, does not supersede it
    expect([KMAP_RFC, KMAP_RFC_V2, KMAP_NET].map(stateOf)).toEqual(['superseded', 'superseded', 'new']);
  });

  it("keep a robot's patch in a series' thread out of its chain", () => {
    expect(chainOf(LKP)).not.toBe(chainOf(IOVA_V2));
  });

  it('assemble a thread holding a kernel series and its virtiofsd part as two series, in two chains', () => {
    expect(series(FUSE_V4)).toMatchObject({ version: 4, total: 8, present: 8 });
    expect(series(VIRTIOFSD_V4)).toMatchObject({ version: 4, total: 4, present: 4 });
    expect(chainOf(FUSE_V3)).toBe(chainOf(FUSE_V4));
    expect([VIRTIOFSD_V2, VIRTIOFSD_V4].map(chainOf)).toEqual([chainOf(VIRTIOFSD_V1), chainOf(VIRTIOFSD_V1)]);
    expect(chainOf(VIRTIOFSD_V1)).not.toBe(chainOf(FUSE_V3));
    expect([FUSE_V3, FUSE_V4, VIRTIOFSD_V1, VIRTIOFSD_V2, VIRTIOFSD_V4].map(stateOf)).toEqual([
      'superseded',
      'new',
      'superseded',
      'superseded',
      'new',
    ]);
  });
});
