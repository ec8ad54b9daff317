// HTML escaping as public-inbox's ascii_html does it, checked against PublicInbox::Hval itself on
// every character: markup characters and C0 controls by its table, everything outside ASCII as a
// decimal reference of its code point. Where lorekeeper differs on purpose: C1 controls shown as
// \xNN, and lone surrogates (which Perl's UTF-8 strings cannot hold) as the reference of the unit.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { asciiHtml } from '../../src/html/escape.js';

function haveHval(): boolean {
  try {
    execFileSync('perl', ['-MPublicInbox::Hval', '-e', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('skipped: PublicInbox::Hval (Debian public-inbox) is not installed');
    return false;
  }
}

/** ascii_html of each string by public-inbox itself (strings travel as hex of their UTF-8, a line each). */
function perlAsciiHtml(strings: string[]): string[] {
  const script = `use PublicInbox::Hval; use Encode;
    while (my $l = <STDIN>) { chomp $l; my $s = Encode::decode('utf8', pack('H*', $l));
    print unpack('H*', PublicInbox::Hval::ascii_html($s)), "\\n" }`;
  const out = execFileSync('perl', ['-e', script], {
    input: strings.map((s) => Buffer.from(s, 'utf8').toString('hex')).join('\n') + '\n',
    maxBuffer: 256 << 20,
  });
  return out
    .toString('latin1')
    .trimEnd()
    .split('\n')
    .map((h) => Buffer.from(h, 'hex').toString('latin1'));
}

const isC1 = (c: number) => c >= 0x80 && c <= 0x9f;
const isSurrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;

describe.skipIf(!haveHval())("asciiHtml, as public-inbox's ascii_html", () => {
  it('escapes every character as public-inbox does, alone and between others', () => {
    const chars: string[] = [];
    for (let c = 0; c < 0x10000; c++) if (!isC1(c) && !isSurrogate(c) && c !== 0x0a) chars.push(String.fromCharCode(c));
    for (const c of [0x10000, 0x1d400, 0x1f600, 0xe0001, 0xf0000, 0x10fffd]) chars.push(String.fromCodePoint(c));
    // each alone, each between plain text, and runs of several
    const lines = chars.flatMap((ch, i) => [ch, `a${ch}b c`, `${ch}${chars[(i * 7919) % chars.length]}x\n${ch}`]);
    const want = perlAsciiHtml(lines);
    const got = lines.map(asciiHtml);
    const differ = lines.flatMap((l, i) => (got[i] === want[i] ? [] : [[l, got[i], want[i]]]));
    expect(differ.slice(0, 5)).toEqual([]);
    expect(lines.length).toBeGreaterThan(190_000);
  });

  it('shows C1 controls as escapes and lone surrogates as references (where public-inbox has no answer)', () => {
    expect(asciiHtml('a\x80b\x85\x9f\x7f')).toBe('a\\x80b\\x85\\x9f\\x7f');
    expect(asciiHtml('\ud800x\udfff\ud83d\ude00\ud83d')).toBe('&#55296;x&#57343;&#128512;&#55357;');
    expect(asciiHtml('plain text, nothing to do\n\t')).toBe('plain text, nothing to do\n\t');
  });
});
