// src/html/linkify.ts: URLs in mail text made links as public-inbox's Linkify makes them (schemes,
// trailing punctuation, brackets), on every line of the fixtures that holds one, compared with Linkify.
import { describe, it, expect } from 'vitest';
import { linkify } from '../../src/html/linkify.js';
import { fixtureLines } from '../helpers/mbox.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const URL_LINES = fixtureLines().filter((l) => l.includes('://'));
const find = (re: RegExp) => {
  const line = URL_LINES.find((l) => re.test(l));
  if (!line) throw new Error(`no line of the fixtures matches ${re}`);
  return line;
};

describe('linkify', () => {
  it("links a URL, leaving the list footer's > and comma outside, and git:// (no web scheme) as text", () => {
    expect(linkify(find(/^List-Subscribe: <https:\/\/\S+\/iommu>,$/))).toBe(
      'List-Subscribe: &lt;<a\nhref="https://lists.linuxfoundation.org/mailman/listinfo/iommu">https://lists.linuxfoundation.org/mailman/listinfo/iommu</a>&gt;,',
    );
    expect(linkify(find(/of git:\/\/git\.kernel\.org\/\S+\/netdev\/net"\)$/))).toMatch(
      /of git:\/\/git\.kernel\.org\/pub\/scm\/linux\/kernel\/git\/netdev\/net&#34;\)$/,
    );
  });

  it('keeps a fragment, and the %-escapes of a real GitHub link, inside the link', () => {
    const url = 'https://github.com/luxis1999/linux-vsva/blob/vsva-linux-5.9-rc6-v8%2BPRQ/drivers/vfio/pci/vfio_pci.c';
    expect(linkify(find(/vsva-linux-5\.9-rc6-v8%2BPRQ/))).toContain(`<a\nhref="${url}">${url}</a>`);
    const frag = 'https://github.com/eauger/linux/blob/5.10-rc4-2stage-v13/drivers/vfio/pci/vfio_pci.c#L494';
    expect(linkify(find(/vfio_pci\.c#L494/))).toContain(`href="${frag}"`);
  });

  it('links nothing a mail could forge: no javascript:, and markup around a URL stays text', () => {
    // the hostile sample's: the link is to the page on example.org, parenthesis and all
    expect(linkify(find(/^http:\/\/example\.org\/javascript:alert\(1\)$/))).toBe(
      '<a\nhref="http://example.org/javascript:alert(1)">http://example.org/javascript:alert(1)</a>',
    );
    expect(linkify('javascript:alert(1) and <a href="https://x.example/">')).toBe(
      'javascript:alert(1) and &lt;a href=&#34;<a\nhref="https://x.example/">https://x.example/</a>&#34;&gt;',
    );
    expect(linkify('(see https://lore.kernel.org/kvm/20200708132947.5b7ee954@x1.home/)')).toBe(
      '(see <a\nhref="https://lore.kernel.org/kvm/20200708132947.5b7ee954@x1.home/">https://lore.kernel.org/kvm/20200708132947.5b7ee954@x1.home/</a>)',
    );
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's Linkify", () => {
  it('links every URL line of the fixtures as lorekeeper does', () => {
    expect(URL_LINES.length).toBeGreaterThan(80);
    const theirs = perlMap<string>(
      'use PublicInbox::Linkify;',
      'my $s = $_[0]; utf8::decode($s); PublicInbox::Linkify->new->to_html($s)',
      URL_LINES,
    );
    expect(URL_LINES.filter((l, i) => linkify(l) !== theirs[i])).toEqual([]);
  });
});
