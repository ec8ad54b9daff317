// Words as the full-text index splits them, and the stems Xapian adds beside them: public-inbox
// finds a lowercase query word by its stem and a capitalised one only as written (STEM_SOME).
// The only porter2 import: Xapian's "english" stemmer is porter2, not FTS5's older porter.
import { stem } from 'porter2';

/** What FTS5's unicode61 tokenizer (tokenchars '_') keeps in one token: letters, digits, private use, '_'. */
const WORD = /[\p{L}\p{N}\p{Co}_]+/gu;
/** The same for text all in ASCII, most mail: found several times faster. */
const ASCII_WORD = /[a-z0-9_]+/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Xapian's should_stem(): only a word starting with a lowercase, titlecase or other letter has a stem. */
const STEMMABLE = /^[\p{Ll}\p{Lt}\p{Lm}\p{Lo}]/u;

/** Characters after a query word that keep Xapian's QueryParser from stemming it (is_stem_preventer). */
const STEM_PREVENTERS = new Set(['(', '/', '\\', '@', '<', '>', '=', '*', '[', '{', '"']);

/** Mail repeats its words: stems are remembered, up to this many, then forgotten all at once. */
const CACHE_MAX = 50_000;
const cache = new Map<string, string>();

/** The lowercase tokens of a text, as the index holds them. */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  return lower.match(NON_ASCII.test(lower) ? WORD : ASCII_WORD) ?? [];
}

/** Whether a lowercase word has a stem (STEMMABLE, without a regular expression for ASCII). */
function stemmable(word: string): boolean {
  const c = word.charCodeAt(0);
  return c < 0x80 ? c >= 0x61 && c <= 0x7a : STEMMABLE.test(word);
}

/** The porter2 stem of a lowercase word. */
export function stemOf(word: string): string {
  let s = cache.get(word);
  if (s === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    s = stem(word);
    cache.set(word, s);
  }
  return s;
}

/**
 * The stemmed twin of an indexed text (Xapian's Z terms): the stem of every word that has one,
 * leaving out the stems that equal their word, which the unstemmed text already holds.
 */
export function stemmedText(text: string): string {
  let out = '';
  for (const w of words(text)) {
    if (!stemmable(w)) continue;
    const s = stemOf(w);
    if (s !== w) out += out ? ` ${s}` : s;
  }
  return out;
}

/** A stemmed query word: found by its stem, and as written too when the stem is its own stem. */
export interface QueryStem {
  stem: string;
  /** stemmedText() left this stem out where it is its own word: look for it in the unstemmed text too. */
  unstemmedToo: boolean;
}

/**
 * How Xapian's QueryParser (STEM_SOME) reads an unquoted query word, given with the character
 * that follows it in the query: stemmed when it is one word starting with a lowercase letter and
 * no stem-preventing character follows; otherwise undefined, and it is searched as written (so
 * are capitalised words, words starting with a digit or '_', phrases and wildcards).
 */
export function queryStem(typed: string, next: string): QueryStem | undefined {
  const found = [...typed.matchAll(WORD)];
  if (found.length !== 1) return undefined;
  const m = found[0];
  const after = typed[m.index + m[0].length] ?? next;
  if (!STEMMABLE.test(m[0]) || STEM_PREVENTERS.has(after)) return undefined;
  const s = stemOf(m[0].toLowerCase());
  return { stem: s, unstemmedToo: stemOf(s) === s };
}
