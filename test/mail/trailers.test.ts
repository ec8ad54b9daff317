// src/mail/trailers.ts: trailers found, read and trusted as b4 finds them (find_trailers, LoreTrailer's
// kind and email_eq), on every text of the fixtures, compared with b4's own code.
import { describe, it, expect } from 'vitest';
import {
  findTrailers,
  followupTrailers,
  sameAddress,
  trailerAddress,
  trailerKind,
  trailerMatchesSender,
} from '../../src/mail/trailers.js';
import { fixtureTexts } from '../helpers/mbox.js';
import { b4Map, haveB4Python } from '../helpers/oracles.js';

const TEXTS = [...new Set(fixtureTexts().map((t) => t.text))];
const textWith = (s: string) => {
  const t = TEXTS.find((x) => x.includes(s));
  if (!t) throw new Error(`no text of the fixtures holds ${JSON.stringify(s)}`);
  return t;
};

describe('findTrailers and followupTrailers', () => {
  it("reads a patch's Signed-off-by lines, and a reply's Acked-by, not the quoted patch's", () => {
    const patch = textWith('Signed-off-by: Liu Yi L <yi.l.liu@intel.com>');
    const { trailers } = findTrailers(patch.split('\n---\n')[0], false);
    expect(trailers).toContainEqual({ name: 'Signed-off-by', value: 'Liu Yi L <yi.l.liu@intel.com>' });
    // Jason Wang's answer to patch 1/3 of the virtio_ring series
    const reply = textWith('Acked-by: Jason Wang <jasowang@redhat.com>');
    expect(followupTrailers(reply).filter((t) => /-by$/i.test(t.name))).toContainEqual({
      name: 'Acked-by',
      value: 'Jason Wang <jasowang@redhat.com>',
    });
  });

  it('leaves header lines of a quoted patch, URLs and lines that name nobody out of a reply', () => {
    const reply = [
      'From: Feng Liu <feliu@nvidia.com>',
      'Reviewed-by: David Edmondson <david.edmondson@oracle.com>',
      'Link: https://lore.kernel.org/r/20230315185458.11638-1-feliu@nvidia.com',
      'Tested-by: my test farm',
      'Cc: stable@vger.kernel.org # 5.15+',
    ].join('\n');
    expect(followupTrailers(reply)).toEqual([
      { name: 'Reviewed-by', value: 'David Edmondson <david.edmondson@oracle.com>' },
    ]);
    expect(findTrailers(reply, false).trailers.map((t) => t.name)).toEqual([
      'From',
      'Reviewed-by',
      'Link',
      'Tested-by',
      'Cc',
    ]);
    expect(findTrailers(reply, false).trailers[4]).toEqual({
      name: 'Cc',
      value: 'stable@vger.kernel.org',
      extinfo: ' # 5.15+',
    });
  });
});

describe('trailerKind, trailerAddress, sameAddress, trailerMatchesSender', () => {
  it("trust a reviewer's trailer from their own address, a +tag or a subdomain of it, or their name", () => {
    const t = { name: 'Reviewed-by', value: 'David Edmondson <david.edmondson@oracle.com>' };
    expect(trailerKind(t)).toBe('person');
    expect(trailerAddress(t.value)).toEqual({ name: 'David Edmondson', address: 'david.edmondson@oracle.com' });
    expect(trailerMatchesSender(t, 'David Edmondson', 'david.edmondson@oracle.com')).toBe(true);
    expect(trailerMatchesSender(t, 'Someone Else', 'someone@oracle.com')).toBe(false);
    expect(trailerMatchesSender(t, 'David Edmondson', 'dme@example.org')).toBe(true);
    // b4's fuzzy match: foo+list@ for foo@, one more domain label (linux.intel.com for intel.com)
    expect(sameAddress('yi.l.liu@intel.com', 'Yi.L.Liu+kvm@linux.intel.com')).toBe(true);
    expect(sameAddress('yi.l.liu@intel.com', 'yi.l.liu@a.b.intel.com')).toBe(false);
    expect(trailerKind({ name: 'Fixes', value: '1234567890ab ("virtio_ring: ...")' })).toBe('utility');
    expect(trailerKind({ name: 'Tested-by', value: 'my test farm' })).toBe('unknown');
  });
});

describe.skipIf(!haveB4Python())("b4's find_trailers and LoreTrailer", () => {
  it('find the same trailers and other lines in every text of the fixtures, as patch and as reply', () => {
    expect(TEXTS.length).toBeGreaterThan(500);
    const theirs = b4Map<[[string, string, string | null, string][], string[]][]>(
      `def each(x):
    out = []
    for followup in (False, True):
        trailers, others = b4.LoreMessage.find_trailers(x.decode(), followup=followup)
        out.append([[[t.name, t.value, t.extinfo, t.type] for t in trailers], others])
    return out`,
      TEXTS,
    );
    const differ = TEXTS.flatMap((text, i) =>
      [false, true].flatMap((followup, f) => {
        const ours = findTrailers(text, followup);
        const mine = [ours.trailers.map((t) => [t.name, t.value, t.extinfo ?? null, trailerKind(t)]), ours.others];
        return JSON.stringify(mine) === JSON.stringify(theirs[i][f])
          ? []
          : [{ text, followup, mine, theirs: theirs[i][f] }];
      }),
    );
    expect(differ).toEqual([]);
  });

  it("match a trailer's address with every sender of the fixtures as email_eq does", () => {
    const addresses = [
      ...new Set(TEXTS.flatMap((t) => findTrailers(t, false).trailers.map((x) => trailerAddress(x.value).address))),
      // people's addresses, not a Link: trailer's URL that holds a Message-ID
    ].filter((a) => a.includes('@') && !a.includes('://'));
    const pairs = addresses.flatMap((a) => addresses.map((b) => `${a}\n${b}`));
    expect(addresses.length).toBeGreaterThan(20);
    const theirs = b4Map<boolean>(
      `def each(x):
    a, b = x.decode().split('\\n')
    return b4.LoreTrailer(name='Reviewed-by', value=f'X <{a}>').email_eq(b)`,
      pairs,
    );
    expect(pairs.filter((p, i) => sameAddress(...(p.split('\n') as [string, string])) !== theirs[i])).toEqual([]);
    expect(theirs.filter(Boolean).length).toBeGreaterThan(addresses.length);
  });
});
