// Random searches for the search fuzz: queries in public-inbox's language built from a list's own
// words (lowercase, capitalised, upper case), prefixes, phrases, wildcards, operators, parentheses,
// dates and exact ids, some repeated, some broken, some long; and the requests a client makes with
// them (pages in every order and view, POST downloads). A query is a function of the seed alone.
import seedrandom from 'seedrandom';
import { words } from '../../src/mail/terms.js';

const PREFIXES = ['', '', '', 's:', 'b:', 'f:', 't:', 'c:', 'a:', 'tc:', 'bs:', 'nq:', 'q:', 'n:', 'm:', 'l:'];
const DIFF_PREFIXES = ['dfn:', 'dfa:', 'dfb:', 'dfhh:', 'dfctx:'];
const JUNK = [
  '"',
  '(',
  ')',
  '*',
  '-',
  '+',
  ':',
  '\\',
  '<',
  '>',
  '=',
  '..',
  '\u00e9',
  '\u202e',
  '%',
  '&',
  '\t',
  '\u0000',
];

export class QueryFuzz {
  private readonly rand: () => number;
  private readonly vocabulary: string[];

  /** `text`: mail of the list whose words the queries use. */
  constructor(seed: string, text: string) {
    this.rand = seedrandom(seed);
    const counts = new Map<string, number>();
    for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    // the most frequent words (the costliest to search) and a spread of rare ones
    const byCount = [...counts].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    this.vocabulary = [...byCount.slice(0, 300), ...byCount.filter((_, i) => i % 37 === 0).slice(0, 700)];
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  private word(): string {
    const w = this.pick(this.vocabulary);
    const r = this.rand();
    if (r < 0.2) return w[0].toUpperCase() + w.slice(1);
    if (r < 0.3) return w.toUpperCase();
    return w;
  }

  private date(): string {
    const day = () =>
      `${2015 + this.int(12)}${String(1 + this.int(12)).padStart(2, '0')}${String(1 + this.int(28)).padStart(2, '0')}`;
    return this.pick([
      () => `d:${day()}`,
      () => `d:${day()}..${day()}`,
      () => `d:${day()}..`,
      () => `d:..${day()}`,
      () => `d:${1 + this.int(30)}.${this.pick(['days', 'weeks', 'months', 'years'])}.ago..`,
      () => `dt:${day()}000000..${day()}235959`,
      () => `rt:${1400000000 + this.int(400000000)}..`,
      () => `d:${this.word()}`,
    ])();
  }

  private term(depth: number): string {
    const r = this.rand();
    if (r < 0.35) return this.pick(PREFIXES) + this.word();
    if (r < 0.45) {
      const w = this.word();
      return `${this.pick(PREFIXES)}${w.slice(0, 1 + this.int(Math.min(6, w.length)))}*`;
    }
    if (r < 0.55) {
      const n = 2 + this.int(4);
      return `${this.pick(PREFIXES)}"${Array.from({ length: n }, () => this.word()).join(' ')}"`;
    }
    if (r < 0.6) return this.pick(DIFF_PREFIXES) + this.word();
    if (r < 0.67) return this.date();
    if (r < 0.7) return this.pick(['mid:', 'patchid:', 'dfpre:', 'dfpost:', 'dfblob:', 'lid:']) + this.word();
    if (r < 0.74) return this.pick(JUNK) + this.word() + this.pick(JUNK);
    if (r < 0.85 && depth < 3) return `(${this.query(depth + 1)})`;
    return this.pick(['+', '-', '']) + this.word();
  }

  /** One query: a few terms joined by the default AND or by operators, sometimes one term many times. */
  query(depth = 0): string {
    const r = this.rand();
    const n = r < 0.05 ? 40 + this.int(120) : 1 + this.int(depth ? 3 : 6);
    const terms: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i) terms.push(this.rand() < 0.01 ? ' XOR ' : this.pick([' ', ' ', ' AND ', ' OR ', ' NOT ', ' OR ']));
      terms.push(r < 0.1 && i ? terms[0] : this.term(depth));
    }
    return terms.join('');
  }

  /** A request a client makes with a query: a page (by date or relevance, summary, nested, Atom) or a download. */
  request(query: string): { method: 'GET' | 'POST'; url: string } {
    const q = `q=${encodeURIComponent(query)}`;
    // whole messages (nested view, Atom) twenty at a time: rendering is not what is fuzzed here
    const page = this.pick(['', '', '&r', '&x=t&l=20', '&x=A&l=20', '&t=1', '&o=200', '&o=-1', '&l=5&r']);
    if (this.rand() < 0.25) return { method: 'POST', url: `?x=m${this.pick(['', '&t=1'])}&${q}` };
    return { method: 'GET', url: `?${q}${page}` };
  }
}

export interface FuzzReport {
  ran: number;
  byStatus: Record<number, number>;
  /** The slowest answer to start: query, request and milliseconds. */
  slowest: { query: string; url: string; ms: number };
  /** Answers that broke a rule: wrong status, no Retry-After on a 503, a stack trace, over the budget. */
  failures: { query: string; url: string; status: number; ms: number; why: string }[];
}

/**
 * Send random searches to a running server, `requests` of them or as many as `seconds` allow, one at
 * a time, pausing after each as long as it took (so the searches stay within the share of time a
 * server gives them). Every answer must start within `budgetMs`: 200, 404 (nothing found), 400 (a
 * bad or too broad query, said so), 414 or 431 (a query longer than a URL may be), or 503 with
 * Retry-After (out of time); never a 500, never a stack trace.
 */
export async function fuzzSearches(
  inboxUrl: string,
  fuzz: QueryFuzz,
  limit: { seconds: number } | { requests: number },
  budgetMs: number,
): Promise<FuzzReport> {
  const report: FuzzReport = { ran: 0, byStatus: {}, slowest: { query: '', url: '', ms: 0 }, failures: [] };
  const stopAt = 'seconds' in limit ? Date.now() + limit.seconds * 1000 : Infinity;
  const requests = 'requests' in limit ? limit.requests : Infinity;
  while (Date.now() < stopAt && report.ran < requests) {
    const query = fuzz.query();
    const { method, url } = fuzz.request(query);
    const t0 = performance.now();
    const r = await fetch(inboxUrl + url, { method, body: method === 'POST' ? '' : undefined });
    const ms = performance.now() - t0;
    // a download streams on after its answer starts: only the start is the search's
    const body = method === 'POST' && r.status === 200 ? (await r.body?.cancel(), '') : await r.text();
    report.ran++;
    report.byStatus[r.status] = (report.byStatus[r.status] ?? 0) + 1;
    if (ms > report.slowest.ms) report.slowest = { query, url, ms };
    const fail = (why: string) => report.failures.push({ query, url, status: r.status, ms, why });
    if (![200, 400, 404, 414, 431, 503].includes(r.status)) fail('unexpected status');
    if (r.status === 503 && !/^\d+$/.test(r.headers.get('retry-after') ?? '')) fail('503 without Retry-After');
    if (/\n\s+at .+\(.+:\d+:\d+\)/.test(body) || body.includes('node_modules')) fail('stack trace');
    if (ms > budgetMs) fail('over budget');
    await new Promise((done) => setTimeout(done, ms * 1.2));
  }
  return report;
}

/** A fuzz run in a line: requests, answers by status, the slowest. */
export function reportLine(report: FuzzReport): string {
  const { ms, url } = report.slowest;
  return `search fuzz: ${report.ran} requests, by status ${JSON.stringify(report.byStatus)}, slowest ${ms.toFixed(0)} ms (${url})`;
}
