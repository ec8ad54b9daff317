// Words as the full-text index splits them, and the stems Xapian adds beside them: public-inbox
// finds a lowercase query word by its stem and a capitalised one only as written (STEM_SOME).
// The only porter2 import: Xapian's "english" stemmer is porter2, not FTS5's older porter.
import { stem } from 'porter2';

/** What FTS5's unicode61 tokenizer (tokenchars '_') keeps in one token: letters, digits, private use, '_'. */
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{Co}_]`;
const WORD = new RegExp(`${WORD_CHAR}+`, 'gu');
/** The same for text all in ASCII, most mail: found several times faster. */
const ASCII_WORD = /[a-z0-9_]+/g;
const NON_ASCII = /[^\x00-\x7f]/;
/** One character of a word, outside ASCII (where WORD_CHAR is [A-Za-z0-9_]). */
const WIDE_WORD_CHAR = new RegExp(`^${WORD_CHAR}$`, 'u');

/** Xapian's should_stem(): only a word starting with a lowercase, titlecase or other letter has a stem. */
const STEMMABLE = /^[\p{Ll}\p{Lt}\p{Lm}\p{Lo}]/u;

/** Characters after a query word that keep Xapian's QueryParser from stemming it (is_stem_preventer). */
const STEM_PREVENTERS = new Set(['(', '/', '\\', '@', '<', '>', '=', '*', '[', '{', '"']);

/** The lowercase tokens of a text, as the index holds them. */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  return lower.match(NON_ASCII.test(lower) ? WORD : ASCII_WORD) ?? [];
}

/**
 * Mail repeats its words (the virtualization list: 17 million words, 136,000 different), so stems
 * are remembered, in a table of their own rather than a Map: a word is looked up by a hash made
 * while it is scanned and compared where it lies in the text, so a word met before costs no string.
 * Up to STEMS words are remembered, then all are forgotten at once. Words looked up one by one
 * (stemOf: a server's query words) longer than REMEMBERED are stemmed each time instead: 65,536
 * remembered query words of 8 KB and their stems would hold a gigabyte of a worker for anyone.
 */
const SLOTS = 1 << 17;
const STEMS = SLOTS / 2;
/** The longest word stemOf remembers, in UTF-16 units: kernel identifiers are shorter. */
const REMEMBERED = 48;
const slotWord: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
const slotStem: string[] = new Array<string>(SLOTS).fill('');
const slotHash = new Int32Array(SLOTS);
let remembered = 0;

/** FNV-1a over UTF-16 units: the hash of a word is HASH_START folded with hashUnit(), unit by unit. */
const HASH_START = 0x811c9dc5 | 0;
const hashUnit = (hash: number, unit: number) => Math.imul(hash ^ unit, 16777619);

/** The slot remembering the stem of the lowercase word text[start, end), whose hash is `hash`. */
function stemSlot(text: string, start: number, end: number, hash: number): number {
  const len = end - start;
  let slot = hash & (SLOTS - 1);
  for (let w = slotWord[slot]; w !== undefined; w = slotWord[(slot = (slot + 1) & (SLOTS - 1))]) {
    if (slotHash[slot] !== hash || w.length !== len) continue;
    let i = 0;
    while (i < len && w.charCodeAt(i) === text.charCodeAt(start + i)) i++;
    if (i === len) return slot;
  }
  if (remembered >= STEMS) {
    slotWord.fill(undefined);
    slotStem.fill('');
    remembered = 0;
    slot = hash & (SLOTS - 1);
  }
  const word = text.slice(start, end);
  slotWord[slot] = word;
  slotStem[slot] = stem(word);
  slotHash[slot] = hash;
  remembered++;
  return slot;
}

/** The porter2 stem of a lowercase word. */
export function stemOf(word: string): string {
  if (word.length > REMEMBERED) return stem(word);
  let hash = HASH_START;
  for (let i = 0; i < word.length; i++) hash = hashUnit(hash, word.charCodeAt(i));
  return slotStem[stemSlot(word, 0, word.length, hash)];
}

/** Whether each UTF-16 unit outside ASCII is a word character (1) or not (2), worked out when first met. */
const wideClass = new Uint8Array(0x10000);
/** The same for characters beyond the BMP (surrogate pairs), by code point. */
const astralClass = new Map<number, boolean>();

/** Units of the word character starting at `i` of `text` (1 or 2), or 0 when none starts there. */
function wordCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80)
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || (c >= 0x41 && c <= 0x5a) ? 1 : 0;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      const cp = text.codePointAt(i)!;
      let is = astralClass.get(cp);
      if (is === undefined) astralClass.set(cp, (is = WIDE_WORD_CHAR.test(String.fromCodePoint(cp))));
      return is ? 2 : 0;
    }
  }
  let k = wideClass[c];
  if (k === 0) wideClass[c] = k = WIDE_WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
  return k === 1 ? 1 : 0;
}

/** Whether the lowercase word starting at `start` of `text` has a stem (Xapian's should_stem()). */
function stemmableAt(text: string, start: number): boolean {
  const c = text.charCodeAt(start);
  return c < 0x80 ? c >= 0x61 && c <= 0x7a : STEMMABLE.test(String.fromCodePoint(text.codePointAt(start)!));
}

/**
 * The stemmed twin of an indexed text (Xapian's Z terms): the stem of every word that has one,
 * leaving out the stems that equal their word, which the unstemmed text already holds. Every word
 * of the text goes through here, so words are found by hand rather than by WORD (twice as fast),
 * and words of fewer than three units are passed over: porter2 leaves them as they are.
 */
export function stemmedText(text: string): string {
  const lower = text.toLowerCase();
  const n = lower.length;
  const out: string[] = [];
  for (let i = 0; i < n;) {
    let w = wordCharAt(lower, i);
    if (!w) {
      i++;
      continue;
    }
    const start = i;
    let hash = HASH_START;
    do {
      hash = hashUnit(hash, lower.charCodeAt(i));
      if (w === 2) hash = hashUnit(hash, lower.charCodeAt(i + 1));
      i += w;
    } while (i < n && (w = wordCharAt(lower, i)));
    if (i - start < 3 || !stemmableAt(lower, start)) continue;
    const slot = stemSlot(lower, start, i, hash);
    if (slotStem[slot] !== slotWord[slot]) out.push(slotStem[slot]);
  }
  return out.join(' ');
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
