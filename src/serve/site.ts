// What every page handler shares: the store reader and how an inbox name in a URL maps to a scope.
import type { StoreReader, Scope, InboxRow } from '../store/reader.js';
import type { SearchIndex } from '../store/search-index.js';
import type { SeriesReader } from '../store/series-reader.js';
import { publishedRepos, type PublishedRepo } from '../mirror/published.js';

/** The name under which every inbox is served at once, like public-inbox's extindex. */
export const ALL = 'all';

export interface InboxView {
  name: string;
  description: string;
  /** Posting address: the reply of last resort and the Atom feed id. */
  address: string | null;
  scope: Scope;
  /** The /all/ index spanning every inbox. */
  all: boolean;
  /** The public-inbox URL the inbox is a mirror of (its mirror page names it); null for mail that arrives here. */
  upstream: string | null;
}

export class Site {
  readonly reader: StoreReader;
  readonly search: SearchIndex;
  readonly series: SeriesReader;

  constructor(
    reader: StoreReader,
    search: SearchIndex,
    series: SeriesReader,
    private readonly dataDir: string,
  ) {
    this.reader = reader;
    this.search = search;
    this.series = series;
  }

  /** The git repositories an inbox publishes (its epochs), for its mirror page. */
  repos(ib: InboxView): PublishedRepo[] {
    return ib.all ? [] : publishedRepos(this.dataDir, ib.name);
  }

  inbox(name: string): InboxView | undefined {
    if (name === ALL) {
      return { name: ALL, description: 'All indexed inboxes', address: null, scope: 'all', all: true, upstream: null };
    }
    const row: InboxRow | undefined = this.reader.inbox(name);
    if (!row) return undefined;
    return {
      name: row.name,
      description: row.description || `public inbox for ${row.address ?? row.name}`,
      address: row.address,
      scope: { inboxId: row.id },
      all: false,
      upstream: row.upstream,
    };
  }

  /** Inboxes holding a message with this id (for bare /MID/ redirects and not-found pages). */
  inboxesWithMid(mid: string): string[] {
    const names = new Set<string>();
    for (const num of this.reader.numsByMid(mid)) {
      const m = this.reader.message(num);
      const ib = m && this.reader.inboxes().find((i) => i.id === m.inboxId);
      if (ib) names.add(ib.name);
    }
    return [...names];
  }
}
