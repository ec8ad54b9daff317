import { describe, it, expect } from 'vitest';
import { MboxSplitter, toMboxrd, unescapeFromLines } from '../../src/mail/mboxrd.js';
import { HOSTILE_SAMPLE } from '../helpers/paths.js';
import { hostileCase, mboxBytes, readMbox } from '../helpers/mbox.js';

function splitInChunks(data: Buffer, size: number): Buffer[] {
  const s = new MboxSplitter();
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(...s.push(data.subarray(i, i + size)));
  return [...out, ...s.end()];
}

describe('MboxSplitter', () => {
  const data = mboxBytes(HOSTILE_SAMPLE);
  const whole = splitInChunks(data, data.length);

  it('finds every message of the hostile sample', () => {
    expect(whole).toHaveLength(569);
  });
  it('gives the same messages however the input is chunked', () => {
    for (const size of [1, 7, 4096, 65536]) {
      const parts = splitInChunks(data.subarray(0, 200_000), size);
      expect(parts.map((p) => p.toString('latin1'))).toEqual(
        splitInChunks(data.subarray(0, 200_000), 200_000).map((p) => p.toString('latin1')),
      );
    }
  });
  it('drops the From_ line and the blank line that frames the next message', () => {
    expect(whole[0].toString()).toMatch(/^Message-ID: <xss-subj-0@h>\n/);
    expect(whole[0].toString().endsWith('hello\n')).toBe(true);
  });
  it('only splits at From lines after a blank line, as mbox2fastimport.py does', () => {
    const mbox = Buffer.from('From a\nSubject: 1\n\nbody\nFrom not a separator\n\nFrom b\nSubject: 2\n\nx\n');
    const msgs = splitInChunks(mbox, 5).map(String);
    expect(msgs).toEqual(['Subject: 1\n\nbody\nFrom not a separator\n', 'Subject: 2\n\nx\n']);
  });
  it('skips text before the first From line', () => {
    expect(splitInChunks(Buffer.from('junk\nFrom x\nA: b\n\nc\n'), 3).map(String)).toEqual(['A: b\n\nc\n']);
  });
});

describe('From-line quoting', () => {
  it('mboxrd removes one level, mboxo only unquotes >From', () => {
    const q = Buffer.from('>From a\n>>From b\n');
    expect(String(unescapeFromLines(q, 'mboxrd'))).toBe('From a\n>From b\n');
    expect(String(unescapeFromLines(q, 'mboxo'))).toBe('From a\n>>From b\n');
  });
  it('round-trips the from-escaping case byte for byte', () => {
    const msg = hostileCase(readMbox(HOSTILE_SAMPLE), 'from-escaping');
    expect(msg.toString()).toContain('\nFrom the start\n>From quoted\n>>From deeper\n');
    const framed = toMboxrd(msg);
    expect(framed.toString()).toMatch(/^From mboxrd@z Thu Jan {2}1 00:00:00 1970\n/);
    const back = splitInChunks(framed, 3);
    expect(back).toHaveLength(1);
    expect(back[0].equals(msg)).toBe(true);
  });
});
