// src/mail/content-hash.ts (through src/mail/analyze.ts, which gathers what it hashes): what makes two
// copies of a message the same, as public-inbox's ContentHash decides it, on every message of the
// fixtures, compared with content_hash itself.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyzeMessage } from '../../src/mail/analyze.js';
import { fixtureMail, readMbox } from '../helpers/mbox.js';
import { fixture } from '../helpers/paths.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const hash = (raw: Buffer) => analyzeMessage(raw).contentHash.toString('hex');
const MAIL = fixtureMail();

/**
 * Messages whose hash public-inbox computes otherwise: the hostile sample's attachment name whose
 * quoted filename= ends early (`"../../"><img ...>.patch"`), which public-inbox's parameter parser
 * cuts at the first space (`../../><img`) and libmime (lorekeeper's) reads to the end.
 */
const DIFFER = new Map([['xss-attachname-1', 'a malformed filename= parameter, read to its end']]);
const caseOf = (raw: Buffer) => /\nX-Case: (\S+)\n/.exec(raw.toString('latin1'))?.[1];

describe('contentHash', () => {
  it('is the same for a copy that only passed through one more relay, and differs when content does', () => {
    // fixtures/multi-id.mbox: the first reply as it was, and a true duplicate with one more Received:
    const copies = readMbox(fixture('multi-id.mbox'));
    expect(copies[4].toString('latin1')).toContain(copies[0].toString('latin1').split('\n').slice(1).join('\n'));
    expect(hash(copies[4])).toBe(hash(copies[0]));
    // the resent copy under a new first id: the ids are not part of the content
    expect(hash(copies[1])).toBe(hash(copies[0]));
    // seed 003 via kvm and via qemu-devel: one Message-ID, but the list tag changed the subject
    const kvm = readFileSync(fixture('seed-003-kvm.eml'));
    const qemu = readFileSync(fixture('seed-003-qemu-devel.eml'));
    expect(hash(kvm)).not.toBe(hash(qemu));
  });

  it('tells every message of the real threads apart', () => {
    const threads = MAIL.filter((m) => /\.thread\.mbox$/.test(m.file));
    expect(threads.length).toBe(84 + 23 + 7);
    expect(new Set(threads.map((m) => hash(m.raw))).size).toBe(threads.length);
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's content_hash", () => {
  it('gives every message of the fixtures the digest lorekeeper gives it, but for the listed one', () => {
    const theirs = perlMap<string>(
      'use PublicInbox::Eml; use PublicInbox::ContentHash qw(content_hash);',
      'my $raw = $_[0]; unpack("H*", content_hash(PublicInbox::Eml->new(\\$raw)))',
      MAIL.map((m) => m.raw),
    );
    const differ = MAIL.filter((m, i) => hash(m.raw) !== theirs[i]).map((m) => caseOf(m.raw) ?? m.file);
    expect(MAIL.length).toBeGreaterThan(690);
    expect(differ).toEqual([...DIFFER.keys()]);
  });
});
