// Stemming as public-inbox's Xapian does it, checked against Xapian itself (the Search::Xapian
// binding public-inbox runs on): the english stemmer on every word of the fixtures, and
// QueryParser's STEM_SOME choice (stem, or as written) on real words typed in every form.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { FIXTURE_INBOXES } from '../helpers/store.js';
import { stemmedText, stemOf, words } from '../../src/mail/terms.js';
import { parseQuery, type QueryNode } from '../../src/search/query.js';

/** One Perl process, UTF-8 bytes in and out as Xapian takes them: stems words, parses queries as Search.pm does. */
const XAPIAN = `
use strict; use Search::Xapian qw(:standard);
my $stem = Search::Xapian::Stem->new('english');
my $qp = Search::Xapian::QueryParser->new;
$qp->set_stemmer($stem);
$qp->set_stemming_strategy(STEM_SOME);
$qp->set_default_op(OP_AND);
$qp->add_prefix('s', 'S');
my $flags = FLAG_PHRASE | FLAG_BOOLEAN | FLAG_LOVEHATE;
while (my $line = <STDIN>) {
  chomp $line;
  my ($kind, $text) = split(/\\t/, $line, 2);
  if ($kind eq 'w') { print $stem->stem_word($text), "\\n" }
  else { print $qp->parse_query($text, $flags)->get_description, "\\n" }
}`;

function haveXapian(): boolean {
  try {
    execFileSync('perl', ['-MSearch::Xapian', '-e', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('skipped: Search::Xapian (Debian libsearch-xapian-perl, a public-inbox dependency) is not installed');
    return false;
  }
}

function xapian(lines: [kind: 'w' | 'q', text: string][]): string[] {
  const out = execFileSync('perl', ['-e', XAPIAN], {
    input: lines.map(([k, t]) => `${k}\t${t}`).join('\n') + '\n',
    maxBuffer: 64 << 20,
  });
  return out.toString('utf8').trimEnd().split('\n');
}

/** Our parse of an `s:` query in Xapian's notation for the same terms. */
function described(node: QueryNode): string {
  if (node.kind === 'stem') return `ZS${node.stem}@1`;
  if (node.kind !== 'text') throw new Error(`unexpected ${node.kind}`);
  const w = words(node.text);
  if (w.length === 1) return `S${w[0]}@1`;
  return `(${w.map((t, i) => `S${t}@${i + 1}`).join(` PHRASE ${w.length} `)})`;
}

const fixtureText = FIXTURE_INBOXES.flatMap((ib) => ib.sources).map((f) => readFileSync(fixture(f), 'utf8'));
const fixtureWords = [...new Set(fixtureText.flatMap(words))].filter((w) => /^\p{L}/u.test(w));

describe.skipIf(!haveXapian())("STEM_SOME, as Xapian's english stemmer and QueryParser do it", () => {
  it('stems every word of the fixtures as Xapian does (porter2, not FTS5 porter)', () => {
    expect(fixtureWords.length).toBeGreaterThan(5000);
    const theirs = xapian(fixtureWords.map((w) => ['w', w]));
    const differ = fixtureWords.filter((w, i) => stemOf(w) !== theirs[i]);
    expect(differ).toEqual([]);
    // words where FTS5's porter stemmer and porter2 part ways, so the check above could fail
    expect(['generic', 'general', 'generate', 'dying', 'news'].map(stemOf)).toEqual([
      'generic',
      'general',
      'generat',
      'die',
      'news',
    ]);
  });

  it('stems as Xapian does past the number of stems remembered: 100,000 words, twice, in a text and one by one', () => {
    const suffixes = ['ing', 'ed', 'ies', 'ational', 'ness', 'ly', 's', 'izer', 'ful', ''];
    const made = Array.from({ length: 100_000 }, (_, i) => {
      let w = 'q';
      for (let n = i; n > 0; n = Math.floor(n / 26)) w += String.fromCharCode(0x61 + (n % 26));
      return w + suffixes[i % suffixes.length];
    });
    const theirs = xapian(made.map((w) => ['w', w]));
    const wanted = made.map((w, i) => (theirs[i] === w ? '' : theirs[i])).filter(Boolean);
    expect(stemmedText(made.join(' '))).toBe(wanted.join(' '));
    expect(made.filter((w, i) => stemOf(w) !== theirs[i])).toEqual([]);
    // and again from the end, after the table was emptied on the way
    expect(made.map((_, i) => made.length - 1 - i).filter((i) => stemOf(made[i]) !== theirs[i])).toEqual([]);
    expect(wanted.length).toBeGreaterThan(50_000);
  });

  it('stems a query word, or takes it as written, exactly when Xapian does', () => {
    const sample = fixtureWords.filter((_, i) => i % 25 === 0);
    const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
    const forms = sample.flatMap((w) => [
      w,
      cap(w),
      w.toUpperCase(),
      `"${w}"`,
      `${w}.`,
      `${w}:`,
      `${w}=`,
      `${w}@`,
      `${w}<`,
      `${w}/`,
      `${w}-${sample[0]}`,
      `${cap(w)}-${sample[0]}`,
    ]);
    const queries = forms.map((f) => `s:${f}`);
    const theirs = xapian(queries.map((q) => ['q', q]));
    const ours = queries.map((q) => `Query(${described(parseQuery(q, 0))})`);
    const differ = queries.map((q, i) => [q, ours[i], theirs[i]]).filter(([, a, b]) => a !== b);
    expect(differ).toEqual([]);
    // both kinds are there: the test sees capitalised words kept and lowercase ones stemmed
    expect(ours.filter((d) => d.startsWith('Query(ZS')).length).toBeGreaterThan(100);
    expect(ours.filter((d) => d.startsWith('Query(S')).length).toBeGreaterThan(100);
  });
});
