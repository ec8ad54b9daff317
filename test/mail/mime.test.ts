import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyzeMessage } from '../../src/mail/analyze.js';
import { decodeDoc, partTextOf } from '../../src/mail/message-doc.js';
import { fixture, HOSTILE_SAMPLE } from '../helpers/paths.js';
import { hostileCase, readMbox } from '../helpers/mbox.js';

const hostile = readMbox(HOSTILE_SAMPLE);
const parts = (raw: Buffer) => {
  const doc = decodeDoc(analyzeMessage(raw).doc);
  return doc.parts.map((p) => ({ ...p, shown: partTextOf(p, () => raw) }));
};

describe('MIME parts, numbered as public-inbox numbers them', () => {
  it('a single-part message is part 1', () => {
    expect(parts(hostileCase(hostile, 'xss-subject-0')).map((p) => p.idx)).toEqual(['1']);
  });
  it('multipart parts are 1, 2 ... and keep their file names', () => {
    const p = parts(hostileCase(hostile, 'xss-attachname-0'));
    expect(p.map((x) => x.idx)).toEqual(['1', '2']);
    expect(p[1].fn).toBe('../../<script>alert(1)</script>.patch');
    expect(p[1].shown).toContain('+ok');
  });
  it('an unterminated multipart still yields its last part', () => {
    const p = parts(hostileCase(hostile, 'unterminated-multipart'));
    expect(p.map((x) => x.shown)).toEqual(['part one', 'part two never closed\n']);
  });
  it('a multipart without a boundary is shown as one text part', () => {
    expect(parts(hostileCase(hostile, 'no-boundary-param'))[0].shown).toBe('just text\n');
  });
  it('text/html is never text', () => {
    const p = parts(hostileCase(hostile, 'xss-htmlonly-0'));
    expect(p[0].shown).toBeUndefined();
    expect(p[0].size).toBeGreaterThan(0);
  });
});

describe('charsets and transfer encodings', () => {
  it('decodes RFC 2047 subjects', () => {
    expect(analyzeMessage(hostileCase(hostile, 'rfc2047-subject')).subject).toContain('Grüße 日本語');
  });
  it('decodes ISO-2022-JP bodies and subjects', () => {
    const raw = hostileCase(hostile, 'iso-2022-jp');
    expect(parts(raw)[0].shown).toContain('こんにちは');
    expect(analyzeMessage(raw).subject).toBe('にほんご');
  });
  it('shows unlabelled Latin-1 as Latin-1 and flags the guess', () => {
    const p = parts(hostileCase(hostile, 'latin1-unlabeled'))[0];
    expect(p.shown).toContain('café naïve');
    expect(p.mangled).toBe(true);
  });
  it('an unknown charset falls back to UTF-8 and is flagged', () => {
    const p = parts(hostileCase(hostile, 'bad-charset'))[0];
    expect(p.shown).toBe('hello\n');
    expect(p.mangled).toBe(true);
  });
  it('broken base64 decodes to what it can without failing', () => {
    expect(() => analyzeMessage(hostileCase(hostile, 'broken-base64'))).not.toThrow();
  });
  it('decodes the UTF-8 body of the seed 003 fixture', () => {
    const raw = readFileSync(fixture('seed-003-kvm.eml'));
    expect(parts(raw)[0].shown).toContain('when VM’s in grub stage');
  });
});
