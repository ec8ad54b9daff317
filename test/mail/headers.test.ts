// src/mail/headers.ts: where a message's header ends and how its fields read (folding, CRLF), as
// public-inbox's Eml reads them, on every message of the fixtures, compared with Eml's header_raw.
import { describe, it, expect } from 'vitest';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { fixtureMail, hostileCase, readMbox } from '../helpers/mbox.js';
import { fixture, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const MAIL = fixtureMail();
const HOSTILE = readMbox(HOSTILE_SAMPLE);
const fieldsOf = (raw: Buffer) => HeaderBlock.parse(splitHeaderBody(raw).header).fields;

describe('splitHeaderBody and HeaderBlock', () => {
  it("unfold the vfio cover letter's Received and Cc lines into one value each", () => {
    const h = HeaderBlock.parse(splitHeaderBody(readMbox(fixture('vfio-vsva-v7.thread.mbox'))[0]).header);
    expect(h.all('received')[0]).toBe(
      'from hemlock.osuosl.org (smtp2.osuosl.org [140.211.166.133]) by mail.lfdr.de (Postfix) with ESMTPS id DE47B264460 for <lists.iommu@lfdr.de>; Thu, 10 Sep 2020 12:43:49 +0200 (CEST)',
    );
    expect(h.first('to')).toBe(
      'alex.williamson@redhat.com, eric.auger@redhat.com, baolu.lu@linux.intel.com, joro@8bytes.org',
    );
    expect(h.first('message-id')).toBe('<1599734733-6431-1-git-send-email-yi.l.liu@intel.com>');
  });

  it('split the hostile CR-ended body, header-only and 100 KiB-header messages where public-inbox does', () => {
    // the header ends at its blank line, whatever line ends the body uses
    const crlf = splitHeaderBody(hostileCase(HOSTILE, 'crlf'));
    expect(crlf.crlf).toBe('\n');
    expect(crlf.body?.toString()).toBe('line1\r\nline2\r\n');
    expect(HeaderBlock.parse(crlf.header).first('subject')).toBe('crlf');
    const headersOnly = splitHeaderBody(hostileCase(HOSTILE, 'headers-only'));
    expect(headersOnly.body === null || headersOnly.body.length === 0).toBe(true);
    // a 20,000-character Subject on one line: read whole (under public-inbox's 100 KiB header cap)
    const long = HeaderBlock.parse(splitHeaderBody(hostileCase(HOSTILE, 'long-header')).header);
    expect(long.first('subject')).toBe('x'.repeat(20_000));
    expect(long.first('x-case')).toBe('long-header');
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's Eml", () => {
  it('reads every header field of every message of the fixtures as lorekeeper does', () => {
    // for each message, the values header_raw gives for every name lorekeeper found in it
    const inputs = MAIL.map(({ raw }) =>
      Buffer.concat([Buffer.from([...new Set(fieldsOf(raw).map((f) => f.name))].join('\n') + '\n--names--\n'), raw]),
    );
    const theirs = perlMap<[string, string[]][]>(
      'use PublicInbox::Eml;',
      `my ($names, $raw) = split(/\n--names--\n/, $_[0], 2); my $eml = PublicInbox::Eml->new(\\$raw);
       [ map { my $n = $_; [$n, [map { utf8::decode($_); $_ } $eml->header_raw($n)]] } split(/\n/, $names) ]`,
      inputs,
    );
    const differ = MAIL.flatMap(({ file, raw }, i) => {
      const h = HeaderBlock.parse(splitHeaderBody(raw).header);
      const ours = theirs[i].map(([n]) => [n, h.all(n)]);
      return JSON.stringify(ours) === JSON.stringify(theirs[i]) ? [] : [{ file, i, ours, theirs: theirs[i] }];
    });
    expect(MAIL.length).toBeGreaterThan(690);
    expect(differ).toEqual([]);
  });
});
