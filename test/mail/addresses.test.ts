// src/mail/addresses.ts: address lists read as public-inbox reads them (PublicInbox::Address, that is
// Email::Address::XS), on every From, To, Cc, Reply-To and Sender of the fixtures, compared with it.
import { describe, it, expect } from 'vitest';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { addressList, decodeAddressHeader, emails, names } from '../../src/mail/addresses.js';
import { fixtureMail, hostileCase, readMbox } from '../helpers/mbox.js';
import { fixture, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const headersOf = (raw: Buffer) => HeaderBlock.parse(splitHeaderBody(raw).header);
const FIELDS = ['from', 'to', 'cc', 'reply-to', 'sender'];
const VALUES = [...new Set(fixtureMail().flatMap(({ raw }) => FIELDS.flatMap((n) => headersOf(raw).all(n))))];
const FROM = [...new Set(fixtureMail().flatMap(({ raw }) => headersOf(raw).all('from')))];
const VFIO_COVER = headersOf(readMbox(fixture('vfio-vsva-v7.thread.mbox'))[0]);
const HOSTILE = readMbox(HOSTILE_SAMPLE);

/**
 * From headers whose display name public-inbox reads otherwise, on purpose or as Email::Address::XS
 * happens to: a quoted name holding quotes and markup, which it turns into a name without an address
 * (lorekeeper drops what has no address), or splits at its inner quotes with a space kept.
 */
const NAMES_DIFFER = new Map([
  ['""><img src=x onerror=alert(1)>" <x1@example.org>', 'an entry without an address: no name'],
  [`"'';!--"<XSS>=&{()}" <x4@example.org>`, 'an entry without an address: no name'],
  ['"{{constructor.constructor("alert(1)")()}}" <x7@example.org>', 'the space before "alert"'],
]);

describe('addressList, emails, names', () => {
  it("read the vfio cover letter's To and Cc: every address, names where there are", () => {
    expect(emails(VFIO_COVER.first('to')!)).toEqual([
      'alex.williamson@redhat.com',
      'eric.auger@redhat.com',
      'baolu.lu@linux.intel.com',
      'joro@8bytes.org',
    ]);
    expect(names(VFIO_COVER.first('from')!)).toEqual(['Liu Yi L']);
    const cc = addressList(VFIO_COVER.first('cc')!);
    expect(cc).toHaveLength(10);
    expect(cc.every((a) => a.address.includes('@'))).toBe(true);
    // a person without a display name is shown by the local part of the address
    expect(names('kevin.tian@intel.com, "Raj, Ashok" <ashok.raj@intel.com>')).toEqual(['kevin.tian', 'Raj, Ashok']);
  });

  it("keep the hostile sample's shell syntax in addresses as written, and drop what is no address", () => {
    const cc = headersOf(hostileCase(HOSTILE, 'shell-cc-0')).first('cc')!;
    expect(addressList(cc)).toEqual([{ name: '$(touch /tmp/pwned)', address: 'a@example.org' }]);
    expect(addressList(headersOf(hostileCase(HOSTILE, 'shell-cc-1')).first('cc')!)).toEqual([
      { name: '`id`', address: 'b@example.org' },
    ]);
    expect(addressList('<img src=x>, javascript:alert(1)')).toEqual([]);
  });

  it('decode RFC 2047 display names after the list is read, so a decoded comma adds no address', () => {
    // "=?utf-8?Q?Doe=2C_John?=" is one person whose name holds a comma
    expect(decodeAddressHeader('=?utf-8?Q?Doe=2C_John?= <jd@example.org>, x@example.org')).toBe(
      '"Doe, John" <jd@example.org>, x@example.org',
    );
    expect(emails(decodeAddressHeader('=?utf-8?Q?Doe=2C_John?= <jd@example.org>'))).toEqual(['jd@example.org']);
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's Address (Email::Address::XS)", () => {
  const theirs = () =>
    perlMap<[string[], string[]]>(
      'use PublicInbox::Address;',
      'my $s = $_[0]; utf8::decode($s); [[PublicInbox::Address::emails($s)], [PublicInbox::Address::names($s)]]',
      VALUES,
    );

  it('finds the same addresses in every address header of the fixtures', () => {
    expect(VALUES.length).toBeGreaterThan(300);
    const pi = theirs();
    expect(VALUES.filter((v, i) => JSON.stringify(emails(v)) !== JSON.stringify(pi[i][0]))).toEqual([]);
  });

  it('names every sender of the fixtures as public-inbox does, but for the listed differences', () => {
    const pi = theirs();
    const differ = FROM.filter((v) => JSON.stringify(names(v)) !== JSON.stringify(pi[VALUES.indexOf(v)][1]));
    expect(new Set(differ)).toEqual(new Set(NAMES_DIFFER.keys()));
  });
});
