// Runs parsed queries (search/query.ts) against the store: full-text terms become one FTS5 MATCH
// where they can, exact ids and date ranges become SQL on the side tables; results come in
// public-inbox's orders (arrival time, relevance, or newest article first for downloads). Every
// statement calls the search's deadline check for every row it looks at (search-budget.ts).
import { mustHave, type Db } from './open-database.js';
import { QueryError, type QueryNode, type TextColumn } from '../search/query.js';
import { stemColumn } from '../mail/analyze.js';
import { closestRefs, type MessageRow, type Scope } from './reader.js';
import { IN_TIME, SearchBudget } from './search-budget.js';
import { WildcardExpander } from './wildcards.js';

/** BM25 weight per text column (order of TEXT_COLUMNS: s f t c nq q n dfn dfa dfb dfhh dfctx m l),
 *  the same for its stemmed twin: subjects and senders count most, quoted text least (public-inbox
 *  indexes quotes at weight 0). */
const TEXT_WEIGHTS = [4, 2, 1, 1, 1, 0.2, 1, 1, 1, 1, 1, 1, 1, 1];
const BM25 = `bm25(fts, ${[...TEXT_WEIGHTS, ...TEXT_WEIGHTS].join(', ')})`;

/** Words a query's wildcards may expand to in all, whatever each expands to. */
export const MAX_EXPANDED_WORDS = 1000;

/** An FTS5 string: the text tokenized as the index was, a phrase when it is several words. */
const ftsString = (text: string) => `"${text.replace(/"/g, '""')}"`;

const ROW_COLUMNS =
  'msg.num AS num, msg.inbox_id AS inboxId, msg.tid AS tid, msg.sid AS sid, msg.ts AS ts, msg.ds AS ds, msg.mid AS mid, ' +
  'msg.subject AS subject, msg.from_names AS fromNames, msg.from_addr AS fromAddr, msg.refs AS refs, msg.quarantine AS quarantine, msg.chash AS chash';

interface Compiled {
  /** An FTS5 MATCH expression, when the (sub)query is all full text. */
  match?: string;
  /** An SQL condition on `msg`, for everything else. */
  where?: string;
}

class Compiler {
  readonly params: Record<string, unknown> = {};
  private n = 0;
  private expanded = 0;
  private readonly wildcards: WildcardExpander;

  constructor(wildcards: WildcardExpander) {
    this.wildcards = wildcards;
  }

  param(v: unknown): string {
    const name = `p${this.n++}`;
    this.params[name] = v;
    return `@${name}`;
  }

  /** An FTS5 expression as an SQL condition. */
  private ftsWhere(match: string): string {
    return `msg.num IN (SELECT rowid FROM fts WHERE fts MATCH ${this.param(match)} AND ${IN_TIME})`;
  }

  asWhere(c: Compiled): string {
    const parts: string[] = [];
    if (c.match) parts.push(this.ftsWhere(c.match));
    if (c.where) parts.push(c.where);
    return parts.length > 1 ? `(${parts.join(' AND ')})` : parts[0];
  }

  compile(node: QueryNode): Compiled {
    switch (node.kind) {
      case 'text':
        return node.wildcard
          ? this.wildcard(node.columns, node.text)
          : { match: columnMatch(node.columns, ftsString(node.text)) };
      case 'stem': {
        const columns: string[] = node.columns.map(stemColumn);
        if (node.unstemmedToo) columns.push(...node.columns);
        return { match: columnMatch(columns, ftsString(node.stem)) };
      }
      case 'exact':
        return { where: this.exact(node.field, node.value) };
      case 'range': {
        const col = `msg.${node.field}`;
        const conds: string[] = [];
        if (node.from !== undefined) conds.push(`${col} >= ${this.param(node.from)}`);
        if (node.to !== undefined) conds.push(`${col} <= ${this.param(node.to)}`);
        return { where: conds.length ? `(${conds.join(' AND ')})` : '1' };
      }
      case 'not':
        return { where: `NOT ${this.asWhere(this.compile(node.item))}` };
      case 'or': {
        const items = node.items.map((i) => this.compile(i));
        if (items.every((i) => i.match && !i.where)) return { match: `(${items.map((i) => i.match).join(' OR ')})` };
        return { where: `(${items.map((i) => this.asWhere(i)).join(' OR ')})` };
      }
      case 'and': {
        // full-text terms, wanted and unwanted, go into one MATCH; the rest becomes SQL beside it
        const pos: string[] = [];
        const neg: string[] = [];
        const sql: string[] = [];
        for (const item of node.items) {
          const inner = item.kind === 'not' ? item.item : item;
          const c = this.compile(inner);
          const pure = c.match && !c.where;
          if (item.kind === 'not') {
            if (pure) neg.push(c.match!);
            else sql.push(`NOT ${this.asWhere(c)}`);
          } else if (pure) pos.push(c.match!);
          else sql.push(this.asWhere(c));
        }
        let match: string | undefined;
        if (pos.length) match = `(${pos.join(' AND ')})` + neg.map((m) => ` NOT ${m}`).join('');
        else for (const m of neg) sql.push(`NOT ${this.ftsWhere(m)}`);
        return { match, where: sql.length ? sql.join(' AND ') : undefined };
      }
    }
  }

  /** A wildcard as the words it expands to; nothing matches when there are none. */
  private wildcard(columns: TextColumn[], prefix: string): Compiled {
    const words = this.wildcards.expand(columns, prefix);
    if (!words.length) return { where: '0' };
    this.expanded += words.length;
    if (this.expanded > MAX_EXPANDED_WORDS) {
      throw new QueryError(
        `the wildcards expand to more than ${MAX_EXPANDED_WORDS} words in all: use fewer, or longer prefixes`,
      );
    }
    return { match: columnMatch(columns, `(${words.map(ftsString).join(' OR ')})`) };
  }

  private exact(field: string, value: string): string {
    const v = this.param(value);
    switch (field) {
      case 'mid':
        return `msg.num IN (SELECT x.num FROM msgid i JOIN id2num x ON x.id = i.id WHERE i.mid = ${v})`;
      case 'lid':
        return `msg.num IN (SELECT num FROM list_id WHERE lid = ${v})`;
      case 'patchid':
        return `msg.num IN (SELECT num FROM patchid WHERE patchid = ${v})`;
      default: {
        // abbreviated blob ids match every stored id they begin (public-inbox indexes all prefixes)
        const hi = this.param(value + '\u007f');
        const post = field === 'dfpre' ? ' AND post = 0' : field === 'dfpost' ? ' AND post = 1' : '';
        return `msg.num IN (SELECT num FROM blob_oid WHERE oid >= ${v} AND oid < ${hi}${post})`;
      }
    }
  }
}

/** An FTS5 expression limited to some columns. */
function columnMatch(columns: string[], expr: string): string {
  return `{${columns.join(' ')}} : ${expr}`;
}

export interface SearchOptions {
  scope: Scope;
  /** Only messages of this thread (POST /NAME/MID/?x=m). */
  tid?: number;
  relevance?: boolean;
  /** Oldest first instead of newest first. */
  ascending?: boolean;
  /** One result per thread. */
  collapse?: boolean;
  offset: number;
  limit: number;
}

export interface SearchHit {
  row: MessageRow;
  /** Relevance as public-inbox prints it, 0..99, when ordering by relevance. */
  percent?: number;
}

type RawRow = Omit<MessageRow, 'refs'> & { refs: string | null; score?: number };

/** Named parameters of a compiled query. */
type Params = Record<string, unknown>;

interface Plan {
  /** Conditions on `msg`, full text as `msg.num IN (SELECT rowid FROM fts ...)`. */
  where: string;
  /** The same conditions with the FTS5 expression driving a join (`JOINED`), for ranking and few matches. */
  joinedWhere?: string;
  params: Params;
  /** The FTS5 expression driving the query, if full text drives it. */
  match?: string;
  /** Nothing but the full-text expression restricts it: every FTS row is a match (quarantined mail is not indexed). */
  matchOnly: boolean;
}

function plan(wildcards: WildcardExpander, tree: QueryNode, scope: Scope, tid?: number): Plan {
  const c = new Compiler(wildcards);
  const compiled = c.compile(tree);
  // the deadline first: called for every row looked at, whatever the other conditions say of it
  const conds = [IN_TIME, 'msg.num > 0', 'msg.quarantine IS NULL'];
  if (scope !== 'all') conds.push(`msg.inbox_id = ${c.param(scope.inboxId)}`);
  if (tid !== undefined) conds.push(`msg.tid = ${c.param(tid)}`);
  if (compiled.where) conds.push(compiled.where);
  if (!compiled.match) return { where: conds.join(' AND '), params: c.params, matchOnly: false };
  const m = c.param(compiled.match);
  return {
    // the date order walks msg's ts index and probes the match set, built once: far cheaper than
    // sorting every match when there are thousands
    where: [`msg.num IN (SELECT rowid FROM fts WHERE fts MATCH ${m} AND ${IN_TIME})`, ...conds].join(' AND '),
    joinedWhere: [`fts MATCH ${m}`, ...conds].join(' AND '),
    params: c.params,
    match: compiled.match,
    matchOnly: !compiled.where && tid === undefined,
  };
}

/** Full text driving the query: FTS5's matches first, each message looked up by its number. */
const JOINED = 'fts CROSS JOIN msg ON msg.num = fts.rowid';

/**
 * Up to this many full-text matches, a date-ordered page reads the matches and sorts them instead of
 * walking the inbox's date index and probing the match set at each message. The walk passes over
 * every message of the inbox when the matches do not fill the page (1.1-1.4 ms on the 27,566
 * messages of the virtualization list for up to 100 matches); reading and sorting costs about 3 us
 * a match (0.08 ms for under 20, 0.9 ms for 100-300, even with the walk at 300-1,000, 3.3 ms
 * against 1.3 at 1,000-3,000: `s:WORD` searches of 317 of the list's subject words, 2026-12-02).
 * The matches are counted in every inbox, before the query's other conditions: a word with many
 * matches elsewhere and few in the inbox asked for still walks it.
 */
const FEW_MATCHES = 500;

export class SearchIndex {
  private readonly db: Db;
  private readonly inboxCount: () => number;
  private readonly budget: SearchBudget;
  private readonly wildcards: WildcardExpander;
  private readonly fewMatches: number;

  /** `fewMatches` moves the line between the two ways of reading a date-ordered page (tests compare them). */
  constructor(db: Db, deadlineMs?: number, fewMatches = FEW_MATCHES) {
    this.db = db;
    this.fewMatches = fewMatches;
    const count = db.prepare<[], number>('SELECT count(*) FROM inbox').pluck();
    this.inboxCount = () => count.get() ?? 0;
    this.budget = new SearchBudget(db, deadlineMs);
    this.wildcards = new WildcardExpander(db, this.budget);
  }

  /**
   * One page of results and how many there are in all. Throws QueryError for a query too broad to
   * run, SearchOverBudget for one that ran out of time, an SQLite error on FTS syntax the parser let through.
   */
  search(tree: QueryNode, o: SearchOptions): { hits: SearchHit[]; total: number } {
    return this.budget.run(() => this.page(tree, o));
  }

  private page(tree: QueryNode, o: SearchOptions): { hits: SearchHit[]; total: number } {
    const p = plan(this.wildcards, tree, o.scope, o.tid);
    const relevance = !!o.relevance && p.match !== undefined;
    // a bare full-text query over every inbox there is: FTS5's count of its matches is the total
    const ftsTotal = p.matchOnly && !o.collapse && (o.scope === 'all' || this.inboxCount() === 1);
    const matched = p.match === undefined || (relevance && !ftsTotal) ? undefined : this.ftsCount(p.match, ftsTotal);
    if (matched === 0) return { hits: [], total: 0 };
    const ftsDrives = relevance || (matched !== undefined && matched <= this.fewMatches);
    // with full text driving, FTS5's own relevance comes with every row (bm25 needs the MATCH's table)
    const score = ftsDrives ? `, ${BM25} AS score` : '';
    const from = ftsDrives ? `${JOINED} WHERE ${p.joinedWhere!}` : `msg WHERE ${p.where}`;
    const dir = o.ascending ? 'ASC' : 'DESC';
    const ranked = `score ${o.ascending ? 'DESC' : 'ASC'}`;
    let sql: string;
    let countSql: string | undefined;
    if (o.collapse) {
      // bm25 is known only while FTS5 is on the row, not in a window: the matches are read first
      const order = relevance ? `${ranked}, ts ${dir}, num ${dir}` : `ts ${dir}, num ${dir}`;
      const perThread = `SELECT *, row_number() OVER (PARTITION BY tid ORDER BY ${order}) AS rn FROM hit`;
      sql = `WITH hit AS MATERIALIZED (SELECT ${ROW_COLUMNS}${score} FROM ${from}) SELECT * FROM (${perThread}) WHERE rn = 1 ORDER BY ${order} LIMIT @limit OFFSET @offset`;
      countSql = `SELECT count(DISTINCT msg.tid) FROM ${from}`;
    } else {
      const order = relevance ? `${ranked}, msg.ts ${dir}, msg.num ${dir}` : `msg.ts ${dir}, msg.num ${dir}`;
      sql = `SELECT ${ROW_COLUMNS}${score} FROM ${from} ORDER BY ${order} LIMIT @limit OFFSET @offset`;
      if (!ftsTotal) countSql = `SELECT count(*) FROM ${from}`;
    }
    const rows = this.db.prepare<Params, RawRow>(sql).all({ ...p.params, limit: o.limit, offset: o.offset });
    const total =
      countSql === undefined ? matched! : (this.db.prepare<Params, number>(countSql).pluck().get(p.params) ?? 0);
    const scores = ftsDrives
      ? new Map(rows.map((r) => [r.num, r.score!]))
      : this.scores(
          p,
          rows.map((r) => r.num),
        );
    // bm25 scores are negative, the best lowest: print them relative to the page's best, as percentages
    const best = Math.min(0, ...scores.values());
    const hits = rows.map((r): SearchHit => {
      const { score: _s, ...rest } = r;
      const s = scores.get(r.num);
      const percent = s === undefined || best === 0 ? 99 : Math.max(1, Math.min(99, Math.round((s / best) * 99)));
      return { row: { ...rest, refs: closestRefs(rest.refs) }, percent };
    });
    return { hits, total };
  }

  /**
   * How many messages FTS5 matches in every inbox, before the scope and the query's other conditions:
   * all of them when that is the answer's total, else only up to one past FEW_MATCHES (enough to
   * choose how to read the page; a broad query's own count follows).
   */
  private ftsCount(match: string, all: boolean): number {
    // (at least one: none at all is an answer of its own)
    const cap = all || !Number.isFinite(this.fewMatches) ? undefined : Math.max(1, this.fewMatches + 1);
    const sql =
      cap === undefined
        ? `SELECT count(*) FROM fts WHERE fts MATCH @match AND ${IN_TIME}`
        : `SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH @match AND ${IN_TIME} LIMIT @cap)`;
    const st = this.db.prepare<{ match: string; cap?: number }, number>(sql).pluck();
    return (cap === undefined ? st.get({ match }) : st.get({ match, cap })) ?? 0;
  }

  /**
   * Relevance of a page of date-ordered results, for the percentages public-inbox prints. FTS5
   * seeks to a rowid range but not to a list: the page's range, which arrival order keeps narrow.
   */
  private scores(p: Plan, nums: number[]): Map<number, number> {
    if (p.match === undefined || !nums.length) return new Map();
    const page = new Set(nums);
    const rows = this.db
      .prepare<{ m: string; lo: number; hi: number }, { num: number; score: number }>(
        `SELECT rowid AS num, ${BM25} AS score FROM fts WHERE fts MATCH @m AND rowid BETWEEN @lo AND @hi AND ${IN_TIME}`,
      )
      .all({ m: p.match, lo: Math.min(...nums), hi: Math.max(...nums) });
    return new Map(rows.filter((r) => page.has(r.num)).map((r) => [r.num, r.score]));
  }

  /** Every match, newest article first: what public-inbox's search mbox holds. */
  allNums(tree: QueryNode, scope: Scope, tid?: number): number[] {
    return this.budget.run(() => {
      const p = plan(this.wildcards, tree, scope, tid);
      return this.db
        .prepare<Params, number>(`SELECT msg.num FROM msg WHERE ${p.where} ORDER BY msg.num DESC`)
        .pluck()
        .all(p.params);
    });
  }

  /** The whole (strict) threads of these matches: threads by newest match, messages in arrival order. */
  expandThreads(nums: number[], scope: Scope): number[] {
    const tidOf = this.db.prepare<[number], number>('SELECT tid FROM msg WHERE num = ?').pluck();
    const members = this.db
      .prepare<{ tid: number; scope: number | null }, number>(
        'SELECT num FROM msg WHERE tid = @tid AND num > 0 AND quarantine IS NULL AND (@scope IS NULL OR inbox_id = @scope) ORDER BY num',
      )
      .pluck();
    const seen = new Set<number>();
    const out: number[] = [];
    return this.budget.run(() => {
      for (const n of nums) {
        this.budget.check();
        const tid = mustHave(tidOf.get(n), `message ${n}`);
        if (seen.has(tid)) continue;
        seen.add(tid);
        out.push(...members.all({ tid, scope: scope === 'all' ? null : scope.inboxId }));
      }
      return out;
    });
  }
}
