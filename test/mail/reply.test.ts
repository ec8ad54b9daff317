// src/mail/reply.ts: who a reply goes to and the mailto link, as public-inbox's Reply.pm computes them,
// and the git send-email arguments quoted for a shell, on every message of the fixtures, compared with
// Reply.pm itself (the pasting of those lines into real shells is test/clients/send-email-shell.test.ts).
import { describe, it, expect } from 'vitest';
import { analyzeMessage } from '../../src/mail/analyze.js';
import { decodeDoc } from '../../src/mail/message-doc.js';
import { computeReply, shellQuote, type Reply } from '../../src/mail/reply.js';
import { fixtureMail, readMbox } from '../helpers/mbox.js';
import { fixture } from '../helpers/paths.js';
import { decodeEntities } from '../helpers/hostile.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const LIST = 'list@example.org';
/** The reply to a message as its page computes it: from the headers decoded at ingest. */
function replyTo(raw: Buffer): Reply {
  const h = decodeDoc(analyzeMessage(raw).doc).h;
  return computeReply(
    {
      from: h.from?.[0],
      to: h.to?.[0],
      cc: h.cc?.[0],
      replyTo: h['reply-to']?.[0],
      subject: h.subject?.[0] ?? '',
      messageIdRaw: h['message-id']?.[0],
    },
    LIST,
  );
}
const MAIL = fixtureMail().filter(({ raw }) => /^message-id:/im.test(raw.toString('latin1').split('\n\n')[0]));

describe('computeReply', () => {
  it('answers the sender, copies everyone else once, in order, and keeps the thread', () => {
    const r = replyTo(readMbox(fixture('vfio-vsva-v7.thread.mbox'))[1]);
    expect(r.to).toBe('yi.l.liu@intel.com');
    expect(r.inReplyTo).toBe('1599734733-6431-2-git-send-email-yi.l.liu@intel.com');
    expect(r.subject).toBe('Re: [PATCH v7 01/16] iommu: Report domain nesting info');
    expect(r.cc).toContain('iommu@lists.linux-foundation.org');
    expect(r.cc).not.toContain('yi.l.liu@intel.com');
    expect([...r.cc].sort()).toEqual(r.cc);
    expect(r.args.slice(0, 2)).toEqual([
      '--in-reply-to=1599734733-6431-2-git-send-email-yi.l.liu@intel.com',
      '--to=yi.l.liu@intel.com',
    ]);
    expect(r.args[r.args.length - 1]).toBe("--subject='Re: [PATCH v7 01/16] iommu: Report domain nesting info'");
  });

  it('quotes anything a shell would read as syntax, and blanks what cannot be pasted', () => {
    expect(shellQuote('$(touch /tmp/pwned)')).toBe("'$(touch /tmp/pwned)'");
    expect(shellQuote("it's!")).toBe("'it'\\''s'\\!''");
    expect(shellQuote('a\nb\x1b')).toBe("'a b '");
    expect(shellQuote('plain.addr+tag@example.org')).toBe('plain.addr+tag@example.org');
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's Reply.pm", () => {
  it('gives every message of the fixtures the same recipients, thread and mailto link', () => {
    const theirs = perlMap<{ to?: string; cc: string[]; irt: string; href: string }>(
      'use PublicInbox::Eml; use PublicInbox::Reply; use PublicInbox::MID qw(mid_clean);',
      `my $raw = $_[0]; my $eml = PublicInbox::Eml->new(\\$raw);
       my ($arg, $href) = PublicInbox::Reply::mailto_arg_link({ -primary_address => '${LIST}' }, $eml);
       my %r = (cc => [], irt => mid_clean($eml->header_raw('Message-ID')), href => $href);
       for (@$arg) { $r{to} = $1 if /^--to=(.*)/s; push @{$r{cc}}, $1 if /^--cc=(.*)/s }
       \\%r`,
      MAIL.map((m) => m.raw),
    );
    const differ = MAIL.flatMap(({ file, raw }, i) => {
      const r = replyTo(raw);
      const ours = { to: r.to, cc: r.cc, irt: r.inReplyTo, href: r.mailto };
      const pi = { to: theirs[i].to ?? '', cc: theirs[i].cc, irt: theirs[i].irt, href: decodeEntities(theirs[i].href) };
      return JSON.stringify(ours) === JSON.stringify(pi) ? [] : [{ file, ours, pi }];
    });
    expect(MAIL.length).toBeGreaterThan(690);
    expect(differ).toEqual([]);
  });

  it("percent-encodes what encodeURIComponent keeps (!'()*) and what it refuses (a lone surrogate) as URI::Escape does", () => {
    const raw = Buffer.from(
      [
        "From: O'Brien (work) <o'brien!x@example.org>",
        'To: a*b@example.org',
        'Subject: =?UTF-8?B?' + Buffer.from("it's (v2)! *done* @home \u00e9\ud83d\ude00").toString('base64') + '?=',
        'Message-ID: <a(b)!c*@example.org>',
        '',
        'body',
        '',
      ].join('\n'),
    );
    const [theirs] = perlMap<string>(
      'use PublicInbox::Eml; use PublicInbox::Reply;',
      `my $raw = $_[0]; my $eml = PublicInbox::Eml->new(\\$raw);
       (PublicInbox::Reply::mailto_arg_link({ -primary_address => '${LIST}' }, $eml))[1]`,
      [raw],
    );
    expect(replyTo(raw).mailto).toBe(decodeEntities(theirs));
    // a lone surrogate (a hostile header can decode to one) is U+FFFD's UTF-8, not an exception
    expect(computeReply({ from: 'a@b.c', subject: 'x\ud800y' }, LIST).mailto).toContain('Subject=Re%3A%20x%EF%BF%BDy');
  });
});
