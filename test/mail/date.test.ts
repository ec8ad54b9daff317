// src/mail/date.ts: Date and Received times read as public-inbox's MsgTime reads them, on the
// fixtures' real headers, compared with MsgTime itself.
import { describe, it, expect } from 'vitest';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { messageTimes, parseDate } from '../../src/mail/date.js';
import { fixtureMail, hostileCase, readMbox } from '../helpers/mbox.js';
import { fixture, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const MAIL = fixtureMail();
const headerOf = (raw: Buffer) => HeaderBlock.parse(splitHeaderBody(raw).header);
const VFIO_COVER = readMbox(fixture('vfio-vsva-v7.thread.mbox'))[0];
const HOSTILE = readMbox(HOSTILE_SAMPLE);

/** Date-like strings of real mail on the virtualization list (headers, and git dates quoted in bodies). */
const LIST_DATES = [
  'Wed, 9 Dec 2020 04:26:50 -0500 (EST)',
  'Mon, 20 Jan 2020 10:06:10 +0100 (CET)',
  'Wed,  8 Jan 2020 21:05:26 +0100',
  '2 May 2019 08:13:50 +0100',
  'Fri Jul 22 19:53:07 2022 +0800',
  'Thu, Apr 25, 2019 at 10:00 PM',
];

describe('parseDate', () => {
  it('reads RFC 822 dates, their zone offsets and comments, as seconds since the epoch', () => {
    // the vfio cover letter: sent 03:45:17 in -0700, first received 12:43:49 in +0200 (CEST)
    expect(parseDate('Thu, 10 Sep 2020 03:45:17 -0700')).toBe(Date.UTC(2020, 8, 10, 10, 45, 17) / 1000);
    expect(parseDate('Thu, 10 Sep 2020 12:43:49 +0200 (CEST)')).toBe(Date.UTC(2020, 8, 10, 10, 43, 49) / 1000);
    // no day of the week, as Intel's relays write it in Received
    expect(parseDate('10 Sep 2020 03:43:34 -0700')).toBe(Date.UTC(2020, 8, 10, 10, 43, 34) / 1000);
    expect(parseDate('Wed, 9 Dec 2020 04:26:50 -0500 (EST)')).toBe(Date.UTC(2020, 11, 9, 9, 26, 50) / 1000);
    // a git date pasted as a Date (asctime order): not RFC 822, read as Date::Parse reads it
    expect(parseDate('Fri Jul 22 19:53:07 2022 +0800')).toBe(Date.UTC(2022, 6, 22, 11, 53, 7) / 1000);
  });

  it('reads the hostile sample: the epoch itself, 2100, and no date at all', () => {
    const date = (c: string) => parseDate(headerOf(hostileCase(HOSTILE, c)).first('date')!);
    expect(date('epoch-date')).toBe(0);
    expect(date('future-date')).toBe(Date.UTC(2100, 0, 1) / 1000);
    expect(date('bad-date')).toBeUndefined();
    expect(parseDate('Thu, Apr 25, 2019 at 10:00 PM')).toBeUndefined();
  });
});

describe('messageTimes', () => {
  it('takes ds from Date and ts from the first readable Received', () => {
    // received two minutes before it was written: the sender's clock ran fast
    expect(messageTimes(headerOf(VFIO_COVER))).toEqual({
      ds: Date.UTC(2020, 8, 10, 10, 45, 17) / 1000,
      ts: Date.UTC(2020, 8, 10, 10, 43, 49) / 1000,
    });
  });

  it('falls back on the other header, and on 0 (not the clock) when there is neither', () => {
    const bad = messageTimes(headerOf(hostileCase(HOSTILE, 'bad-date')));
    // no Received in the sample: an unreadable Date leaves both at 0, so a rerun stores the same
    expect(bad).toEqual({ ds: 0, ts: 0 });
    const noDate = headerOf(Buffer.from(VFIO_COVER.toString('latin1').replace(/^Date: .*\n/m, ''), 'latin1'));
    expect(noDate.first('date')).toBeUndefined();
    expect(messageTimes(noDate).ds).toBe(Date.UTC(2020, 8, 10, 10, 43, 49) / 1000);
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's MsgTime", () => {
  it('reads every Date and Received of the fixtures, and the list dates, as lorekeeper does', () => {
    const values = new Set(LIST_DATES);
    for (const { raw } of MAIL)
      for (const v of [...headerOf(raw).all('date'), ...headerOf(raw).all('received')]) values.add(v);
    const inputs = [...values];
    expect(inputs.length).toBeGreaterThan(300);
    // Received values go through msg_received_at's pattern first, as messageTimes sends them
    const theirs = perlMap<number | null>(
      'use PublicInbox::MsgTime;',
      'my $r = eval { PublicInbox::MsgTime::str2date_zone($_[0]) }; $r ? $r->[0] + 0 : undef',
      inputs,
    );
    const differ = inputs.filter((v, i) => (parseDate(v) ?? null) !== theirs[i]);
    expect(differ).toEqual([]);
  });

  it('gives every message of the fixtures the ds and ts of msg_datestamp and msg_timestamp', () => {
    const headers = MAIL.map(({ raw }) => splitHeaderBody(raw).header);
    const theirs = perlMap<[number, number]>(
      'use PublicInbox::Eml; use PublicInbox::MsgTime qw(msg_datestamp msg_timestamp);',
      'my $h = "$_[0]\\n"; my $eml = PublicInbox::Eml->new(\\$h); [msg_datestamp($eml, 0) + 0, msg_timestamp($eml, 0) + 0]',
      headers,
    );
    const differ = MAIL.flatMap(({ file, raw }, i) => {
      const ours = messageTimes(headerOf(raw));
      return ours.ds === theirs[i][0] && ours.ts === theirs[i][1]
        ? []
        : [`${file} #${i}: ${JSON.stringify(ours)} ${theirs[i]}`];
    });
    expect(MAIL.length).toBeGreaterThan(690);
    expect(differ).toEqual([]);
  });
});
