// src/mail/subject.ts: subjects normalised and keyed as public-inbox threads them loosely, and patch
// tags read as b4 reads them, on the fixtures' real subjects; compared with public-inbox's Perl and
// b4's Python on every subject of the fixtures.
import { describe, it, expect } from 'vitest';
import { HeaderBlock, splitHeaderBody } from '../../src/mail/headers.js';
import { decodeWords } from '../../src/mail/codec.js';
import { normalizeSubject, parsePatchSubject, subjectKey } from '../../src/mail/subject.js';
import { fixtureMail, readMbox } from '../helpers/mbox.js';
import { fixture } from '../helpers/paths.js';
import { b4Map, haveB4Python, havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const subjectOf = (raw: Buffer) => decodeWords(HeaderBlock.parse(splitHeaderBody(raw).header).first('subject') ?? '');
/** Every distinct subject of the fixtures, decoded as pages show them. */
const SUBJECTS = [...new Set(fixtureMail().map(({ raw }) => subjectOf(raw)))];
const VFIO = readMbox(fixture('vfio-vsva-v7.thread.mbox')).map(subjectOf);
const COVER = '[PATCH v7 00/16] vfio: expose virtual Shared Virtual Addressing to VMs';

describe('normalizeSubject and subjectKey', () => {
  it('take one Re: (any case), the folding and trailing dots off, as public-inbox does', () => {
    expect(VFIO[0]).toBe(COVER);
    // a reply from Outlook ("RE:"), its subject folded by the mailer
    const outlook = VFIO.find((s) => s.startsWith('RE: [PATCH v7 00/16]'))!;
    expect(normalizeSubject(outlook)).toBe(COVER);
    expect(normalizeSubject('Re: Re: [PATCH] x.. ')).toBe('Re: [PATCH] x');
  });

  it('give a thread and its replies one key, and other subjects others', () => {
    const key = subjectKey(COVER);
    // long and with '/' in it: hashed, as id_compress does
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    const replies = VFIO.filter((s) => /^re: \[PATCH v7 00\/16\]/i.test(s));
    expect(replies.length).toBeGreaterThan(40);
    expect(new Set(replies.map(subjectKey))).toEqual(new Set([key]));
    expect(subjectKey(VFIO[1])).not.toBe(key);
    expect(subjectKey('bad date')).toBe('bad_date');
    expect(subjectKey('')).toBeNull();
  });
});

describe('parsePatchSubject', () => {
  it('reads version, counter and total of a series', () => {
    expect(parsePatchSubject(COVER)).toEqual({
      reply: false,
      patch: true,
      rfc: false,
      resend: false,
      version: 7,
      counter: 0,
      total: 16,
      counterInferred: false,
      versionInferred: false,
      prefixes: ['PATCH', 'v7', '00/16'],
      title: 'vfio: expose virtual Shared Virtual Addressing to VMs',
      // no stable branch or tree named in the prefix
      target: { stable: '', tree: '' },
    });
    expect(parsePatchSubject('[PATCH v2 091/109] virtiofsd: rename inode->refcount to inode->nlookup')).toMatchObject({
      version: 2,
      counter: 91,
      total: 109,
      title: 'virtiofsd: rename inode->refcount to inode->nlookup',
    });
  });

  it("reads seed 003's list tag and RFC/PATCH prefix, and stops at replies", () => {
    const seed = '[Qemu-devel] [RFC/PATCH 2] kvm: x86: handle KVM_SET_VCPU_EVENTS/KVM_VCPUEVENT_VALID_SMM properly';
    expect(SUBJECTS).toContain(seed);
    expect(parsePatchSubject(seed)).toMatchObject({
      rfc: true,
      patch: false,
      version: 1,
      versionInferred: true,
      counterInferred: true,
      prefixes: ['Qemu-devel', 'RFC/PATCH', '2'],
      title: 'kvm: x86: handle KVM_SET_VCPU_EVENTS/KVM_VCPUEVENT_VALID_SMM properly',
    });
    for (const reply of [
      'Re: [External] Re: [PATCH 0/4] Add multi-cid support for vsock driver',
      VFIO.find((s) => s.startsWith('RE: '))!,
    ])
      expect(parsePatchSubject(reply)).toMatchObject({ reply: true, patch: false, title: reply });
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's subject_normalized and subject_path", () => {
  it('normalise and key every subject of the fixtures as lorekeeper does', () => {
    expect(SUBJECTS.length).toBeGreaterThan(80);
    const theirs = perlMap<[string, string]>(
      'use PublicInbox::Smsg; use PublicInbox::OverIdx; use PublicInbox::MID qw(id_compress);',
      'my $s = $_[0]; utf8::decode($s); [PublicInbox::Smsg::subject_normalized($s), id_compress(PublicInbox::OverIdx::subject_path($s))]',
      SUBJECTS,
    );
    const differ = SUBJECTS.filter(
      (s, i) => normalizeSubject(s) !== theirs[i][0] || (s === '' ? null : theirs[i][1]) !== subjectKey(s),
    );
    expect(differ).toEqual([]);
  });
});

describe.skipIf(!haveB4Python())("b4's LoreSubject", () => {
  it('reads the tags of every subject of the fixtures as lorekeeper does', () => {
    const theirs = b4Map<Record<string, unknown>>(
      `def each(x):
    s = b4.LoreSubject(x.decode())
    return dict(reply=s.reply, patch=s.patch, rfc=s.rfc, resend=s.resend, version=s.revision, counter=s.counter,
                total=s.expected, counterInferred=s.counters_inferred, versionInferred=s.revision_inferred,
                prefixes=s.prefixes, title=s.subject)`,
      SUBJECTS,
    );
    const differ = SUBJECTS.flatMap((s, i) => {
      const ours = parsePatchSubject(s);
      // a reply is not read further: b4 keeps its whole subject as the title, and so do we
      return JSON.stringify(ours) === JSON.stringify({ ...ours, ...theirs[i] }) ? [] : [{ s, ours, theirs: theirs[i] }];
    });
    expect(differ).toEqual([]);
  });
});
