// src/mail/quotes.ts: replies split into what they quote and what they say, as public-inbox's
// split_quotes splits them, on every text of the fixtures, compared with split_quotes itself.
import { describe, it, expect } from 'vitest';
import { splitQuotes } from '../../src/mail/quotes.js';
import { fixtureTexts } from '../helpers/mbox.js';
import { havePublicInboxPerl, perlMap } from '../helpers/oracles.js';

const TEXTS = fixtureTexts().map((t) => t.text);
/** Jason Wang's reply to patch 1/3 of the virtio_ring series (fixtures/virtio-ring-cleanup-v2.thread.mbox). */
const REPLY = TEXTS.find((t) => t.startsWith('On Thu, Mar 16, 2023 at 2:55') && t.includes('Acked-by: Jason Wang'));

describe('splitQuotes', () => {
  it('alternates what a real reply says and what it quotes, every line kept', () => {
    expect(REPLY).toBeDefined();
    const sections = splitQuotes(REPLY!);
    expect(sections.map((s) => s.text).join('')).toBe(REPLY!.endsWith('\n') ? REPLY : `${REPLY}\n`);
    expect(sections[0]).toEqual({
      quoted: false,
      text: expect.stringMatching(/^On Thu, Mar 16, 2023 at 2:55.* wrote:\n$/),
    });
    expect(sections[1].quoted).toBe(true);
    expect(
      sections[1].text
        .split('\n')
        .slice(0, -1)
        .every((l) => l.startsWith('>')),
    ).toBe(true);
    // unquoted and quoted alternate, and the reply's own words are where the Acked-by is
    sections.forEach((s, i) => i && expect(s.quoted).not.toBe(sections[i - 1].quoted));
    expect(sections.find((s) => !s.quoted && s.text.includes('Acked-by: Jason Wang'))).toBeDefined();
  });

  it('ends a text without a final newline with one, and leaves text with no quote whole', () => {
    expect(splitQuotes('> a\nb')).toEqual([
      { quoted: true, text: '> a\n' },
      { quoted: false, text: 'b\n' },
    ]);
    const patch = TEXTS.find((t) => t.includes('diff --git'))!;
    expect(splitQuotes(patch).some((s) => s.quoted)).toBe(/^>/m.test(patch));
  });
});

describe.skipIf(!havePublicInboxPerl())("public-inbox's split_quotes", () => {
  it('splits every text of the fixtures as lorekeeper does', () => {
    expect(TEXTS.length).toBeGreaterThan(600);
    const theirs = perlMap<string[]>(
      'use PublicInbox::MsgIter;',
      'my $s = $_[0]; utf8::decode($s); [grep { length } PublicInbox::MsgIter::split_quotes($s)]',
      TEXTS,
    );
    const differ = TEXTS.filter(
      (t, i) => JSON.stringify(splitQuotes(t).map((s) => s.text)) !== JSON.stringify(theirs[i]),
    );
    expect(differ).toEqual([]);
  });
});
