// Wildcards as Xapian expands them for public-inbox: into the words each searched column holds that
// start with the prefix, refused when a column holds more than 100 (Search.pm's max wildcard
// expansion). The words, not FTS5's own prefix query, go to the index: that would merge every word
// with the prefix in any column, however many, and cost without bound.
import type { Db, Statement } from './open-database.js';
import { ftsTerms } from './full-text.js';
import { QueryError, type TextColumn } from '../search/query.js';
import type { SearchBudget } from './search-budget.js';

/** public-inbox sets Xapian's QueryParser::set_max_wildcard_expansion to this. */
export const MAX_WILDCARD_EXPANSION = 100;

/** Above every character: the end of the range of words starting with a prefix. */
const LAST_CHAR = '\u{10ffff}';

export class WildcardExpander {
  /** Raw rows: [term, column]. */
  private readonly words: Statement<[string, string], [string, string]>;
  private readonly budget: SearchBudget;

  constructor(db: Db, budget: SearchBudget) {
    this.words = db
      .prepare<[string, string], [string, string]>(`SELECT term, col FROM ${ftsTerms(db)} WHERE term >= ? AND term < ?`)
      .raw(true);
    this.budget = budget;
  }

  /** The words of these columns starting with `prefix` (lowercase); QueryError past the limit. */
  expand(columns: TextColumn[], prefix: string): string[] {
    const perColumn = new Map<string, number>(columns.map((c) => [c, 0]));
    const found: string[] = [];
    let rows = 0;
    for (const [term, col] of this.words.iterate(prefix, prefix + LAST_CHAR)) {
      if ((++rows & 1023) === 0) this.budget.check();
      const n = perColumn.get(col);
      if (n === undefined) continue;
      if (n === MAX_WILDCARD_EXPANSION) {
        throw new QueryError(
          `${prefix}* matches more than ${MAX_WILDCARD_EXPANSION} words (in ${col}:): make the prefix longer`,
        );
      }
      perColumn.set(col, n + 1);
      if (found.at(-1) !== term) found.push(term);
    }
    return found;
  }
}
