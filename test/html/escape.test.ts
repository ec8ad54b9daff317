// src/html/escape.ts: text made safe, 7-bit HTML as public-inbox's ascii_html makes it, on every line of
// the fixtures' mail, compared with ascii_html itself.
import { describe, it, expect } from 'vitest';
import { asciiHtml, asciiHtmlLine } from '../../src/html/escape.js';
import { fixtureLines, hostileCase, readMbox } from '../helpers/mbox.js';
import { HOSTILE_SAMPLE } from '../helpers/paths.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const LINES = fixtureLines();
const HOSTILE = readMbox(HOSTILE_SAMPLE);
const lineOf = (c: string, starts: string) =>
  hostileCase(HOSTILE, c)
    .toString('utf8')
    .split('\n')
    .find((l) => l.startsWith(starts))!;

describe('asciiHtml', () => {
  it("writes the sample's markup as text: every <, >, &, quote as a character reference", () => {
    expect(asciiHtml(lineOf('xss-subject-0', 'Subject: '))).toBe('Subject: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(asciiHtml(lineOf('xss-subject-1', 'Subject: '))).toBe(
      'Subject: &#34;&gt;&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(asciiHtml(`'';!--"<XSS>=&{()}`)).toBe('&#39;&#39;;!--&#34;&lt;XSS&gt;=&#38;{()}');
  });

  it('makes control characters visible, keeps tabs and newlines, and writes the rest as 7-bit ASCII', () => {
    // the nul-bytes case's NULs, a terminal escape, and the rfc2047 subject decoded
    expect(asciiHtml('a\0b\x1b[31mred\x7f\r')).toBe('a\\0b^[[31mred\\x7f\\r');
    expect(asciiHtml('tab\there\n')).toBe('tab\there\n');
    expect(asciiHtml('Grüße 日本語 — 🚀')).toBe('Gr&#252;&#223;e &#26085;&#26412;&#35486; &#8212; &#128640;');
    expect(asciiHtml('next line\u0085')).toBe('next line\\x85');
    expect(asciiHtmlLine('two\r\nlines\n')).toBe('two lines ');
  });

  it('leaves every line of the fixtures readable as pure ASCII with no markup', () => {
    const unsafe = LINES.filter((line) => !/^[^<>"'\x00-\x08\x0b-\x1f\x7f-\uffff]*$/.test(asciiHtml(line)));
    expect(LINES.length).toBeGreaterThan(10_000);
    expect(unsafe).toEqual([]);
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's ascii_html", () => {
  it('escapes every line of the fixtures as lorekeeper does (C1 controls made visible on purpose)', () => {
    const theirs = perlMap<string>(
      'use PublicInbox::Hval qw(ascii_html);',
      'my $s = $_[0]; utf8::decode($s); ascii_html($s)',
      LINES,
    );
    const differ = LINES.filter((l, i) => asciiHtml(l) !== theirs[i]);
    expect(differ).toEqual([]);
    // where they differ, on purpose: public-inbox's &#133; is an ellipsis to a browser, ours says \x85
    const c1 = 'next line\u0085';
    expect(
      perlMap('use PublicInbox::Hval qw(ascii_html);', 'my $s = $_[0]; utf8::decode($s); ascii_html($s)', [c1]),
    ).toEqual(['next line&#133;']);
    expect(asciiHtml(c1)).toBe('next line\\x85');
  });
});
