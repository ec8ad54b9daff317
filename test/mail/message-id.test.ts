import { describe, it, expect } from 'vitest';
import { HeaderBlock } from '../../src/mail/headers.js';
import {
  messageIds,
  messageIdsForIndex,
  references,
  threadingRefs,
  midEscape,
  midUnescape,
  generatedMessageId,
  MAX_MID_SIZE,
} from '../../src/mail/message-id.js';

const h = (text: string) => HeaderBlock.parse(Buffer.from(text));

describe('Message-ID extraction (public-inbox MID.pm)', () => {
  it('takes every id of every Message-ID header, in order, without repeats', () => {
    expect(messageIds(h('Message-ID: <first@h> <second@h>\nMessage-Id: <third@h> <first@h>\n'))).toEqual([
      'first@h',
      'second@h',
      'third@h',
    ]);
  });
  it('takes a bracketless value whole', () => {
    expect(messageIds(h('Message-ID: DF48D01B-4A2F-4813-959E-9E44C457B7F8\n'))).toEqual([
      'DF48D01B-4A2F-4813-959E-9E44C457B7F8',
    ]);
  });
  it('treats an empty Message-ID header as missing', () => {
    expect(messageIds(h('Message-ID: \nSubject: x\n'))).toEqual([]);
  });
  it('caps ids at 244 characters', () => {
    const long = 'x'.repeat(300) + '@h';
    expect(messageIds(h(`Message-ID: <${long}>\n`))[0]).toHaveLength(MAX_MID_SIZE);
  });
  it('adds X-Alt-Message-ID for addressing', () => {
    expect(messageIdsForIndex(h('Message-ID: <a@h>\nX-Alt-Message-ID: <b@h>\n'))).toEqual(['a@h', 'b@h']);
  });
  it('keeps folded header values whole', () => {
    expect(messageIds(h('Message-ID:\n <folded@h>\n'))).toEqual(['folded@h']);
  });
});

describe('References', () => {
  it('reads References then In-Reply-To and drops repeats', () => {
    const hdr = h('References: <a@h> <b@h>\nIn-Reply-To: <b@h> <c@h>\n');
    expect(references(hdr)).toEqual(['a@h', 'b@h', 'c@h']);
  });
  it('drops ids that are really addresses of the sender or recipients, and y/n answers', () => {
    const hdr = h('From: A <a@example.org>\nTo: list@example.org\nIn-Reply-To: <a@example.org> <y> <n> <real@h>\n');
    expect(references(hdr)).toEqual(['real@h']);
  });
  it('threads by references plus extra own ids, never the primary id', () => {
    expect(threadingRefs(['p@h', 'me@h'], ['me@h', 'alt@h'], 'me@h')).toEqual(['p@h', 'alt@h']);
    expect(threadingRefs(['p@h'], ['me@h'], 'me@h')).toEqual(['p@h']);
  });
});

describe('Message-IDs in URLs', () => {
  it("escapes like MID_ESC: / % # ? space and non-ASCII, keeps @ + = : , ; ! $ & ' ( ) *", () => {
    expect(midEscape('X+L9XpkoII7tw/tX@chromium.org')).toBe('X+L9XpkoII7tw%2FtX@chromium.org');
    expect(midEscape('x?y=1#frag@h')).toBe('x%3Fy=1%23frag@h');
    expect(midEscape('sp ace@h')).toBe('sp%20ace@h');
    expect(midEscape('%2e%2e%2f@h')).toBe('%252e%252e%252f@h');
    expect(midEscape("a!$&'()*,;=:@b")).toBe("a!$&'()*,;=:@b");
    expect(midEscape('é@h')).toBe('%C3%A9@h');
  });
  it('decodes once, keeps invalid escapes, and does not turn + into space', () => {
    expect(midUnescape('X%2BL9XpkoII7tw%2FtX%40chromium.org')).toBe('X+L9XpkoII7tw/tX@chromium.org');
    expect(midUnescape('a%lk+b')).toBe('a%lk+b');
    expect(midUnescape('%252e@h')).toBe('%2e@h');
  });
  it('round-trips every hostile id', () => {
    for (const mid of [
      '<script>alert(1)</script>@h',
      '"><imgsrc=xonerror=alert(1)>@h',
      'a/b/../../c@h',
      '%2e%2e%2f@h',
      'x?y=1#frag@h',
      'sp ace@h',
    ]) {
      expect(midUnescape(midEscape(mid))).toBe(mid);
      expect(midEscape(mid)).not.toMatch(/[<>"/ #?]/);
    }
  });
});

describe('generated ids', () => {
  it('are stable: the same date and digest give the same id', () => {
    const digest = Buffer.alloc(32, 7);
    expect(generatedMessageId(1627977600, digest)).toBe(generatedMessageId(1627977600, digest));
    expect(generatedMessageId(1627977600, digest)).toMatch(/^20210803080000\.[A-Za-z0-9_-]{43}@z$/);
  });
});
