// The stemmed twin columns hold, in order, the porter2 stem of each word the index splits out that
// Xapian would stem (STEM_SOME), wherever the stem differs from the word: stemmedText finds words
// by hand for speed, and must find exactly the words words() finds.
import { describe, it, expect } from 'vitest';
import { analyzeMessage, stemColumn, TEXT_COLUMNS } from '../../src/mail/analyze.js';
import { stemmedText, stemOf, words } from '../../src/mail/terms.js';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { readMbox } from '../helpers/mbox.js';
import { FIXTURE_INBOXES } from '../helpers/store.js';

/** Xapian's should_stem(): a word starting with a lowercase, titlecase, modifier or other letter. */
const STEMMABLE = /^[\p{Ll}\p{Lt}\p{Lm}\p{Lo}]/u;

/** The definition, word by word. */
const expected = (text: string) =>
  words(text)
    .filter((w) => STEMMABLE.test(w))
    .map((w) => [w, stemOf(w)])
    .filter(([w, s]) => s !== w)
    .map(([, s]) => s)
    .join(' ');

const sources = [
  ...new Set([...FIXTURE_INBOXES.flatMap((ib) => ib.sources), 'hostile-sample.mbox.gz', 'multi-id.mbox']),
];
const messages = sources.flatMap((f) => (f.endsWith('.eml') ? [readFileSync(fixture(f))] : readMbox(fixture(f))));

describe('stemmed twin columns', () => {
  it('hold the stems of the words of every column of every fixture message, in order', () => {
    let stems = 0;
    const wrong: string[] = [];
    for (const raw of messages) {
      let fts;
      try {
        fts = analyzeMessage(raw).fts;
      } catch {
        continue; // quarantined: not indexed
      }
      for (const c of TEXT_COLUMNS) {
        if (fts[stemColumn(c)] !== expected(fts[c])) wrong.push(fts[c]);
        stems += words(fts[stemColumn(c)]).length;
      }
    }
    expect(wrong).toEqual([]);
    expect(messages.length).toBe(692);
    expect(stems).toBeGreaterThan(15_000);
  });

  it('split words as the index does outside ASCII too', () => {
    const texts = [
      'Running jobs ran quickly; the configurations were generated',
      'naïve café résumés, Straße und Größen, façades',
      // İ lowercases to i and a combining dot, which ends a word; final sigma; ligatures
      'İstanbul ΣΟΦΊΑΣ σοφίας ﬁnishing ǅemals',
      // combining marks and joiners are not word characters; accents written apart split a word
      'cafe\u0301s e\u0301tudes zero\u200dwidth',
      // beyond the BMP: mathematical letters (uppercase: never stemmed), Deseret that lowercases, emoji
      '\u{1d400}\u{1d401}ings \u{1d41a}\u{1d41b}\u{1d41c}ings \u{10400}\u{10401}ings smiling\u{1f600}faces',
      // lone surrogates end words as any other non-letter does
      'walking\ud800talking \udc00sings \ud83d',
      // digits and underscores belong to words but do not start a stemmed one
      '2nd_runnings _generated under_scored 42ing x86_64ies',
      // private use letters, modifier letters, CJK
      '\ue000ings ʰings 日本語のテキスト running',
      'ab abs ies sss yyy',
    ];
    for (const t of texts) expect([t, stemmedText(t)]).toEqual([t, expected(t)]);
  });
});
