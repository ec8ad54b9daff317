// public-inbox's search language, parsed as Xapian's QueryParser reads it with public-inbox's flags
// (BOOLEAN, PHRASE, LOVEHATE, WILDCARD; default AND; STEM_SOME): prefixes, AND/OR/NOT, +/-,
// parentheses, "phrases", trailing-* wildcards and date ranges. The result is a tree the store
// compiles to SQL, with repeated terms merged and its size bounded, so no query costs without limit.
import { approxidate } from './approxidate.js';
import { queryStem, words } from '../mail/terms.js';
import type { TextColumn } from '../mail/analyze.js';

export type { TextColumn };

/** Full-text terms (words, phrases, wildcards) a query may hold once repeats are merged. */
export const MAX_TERMS = 64;

const NON_QUOTED: TextColumn[] = ['nq', 'dfn', 'dfa', 'dfb', 'dfhh', 'dfctx'];

/** Probabilistic prefixes (Search.pm %prob_prefix), mapped onto our columns. */
export const TEXT_PREFIXES: Record<string, TextColumn[]> = {
  '': ['m', 's', 'f', 'q', 'n', ...NON_QUOTED],
  s: ['s'],
  m: ['m'],
  l: ['l'],
  f: ['f'],
  t: ['t'],
  c: ['c'],
  tc: ['t', 'c'],
  tcf: ['t', 'c', 'f'],
  a: ['t', 'c', 'f'],
  b: [...NON_QUOTED, 'q'],
  bs: [...NON_QUOTED, 'q', 's'],
  n: ['n'],
  q: ['q'],
  nq: NON_QUOTED,
  dfn: ['dfn'],
  dfa: ['dfa'],
  dfb: ['dfb'],
  dfhh: ['dfhh'],
  dfctx: ['dfctx'],
};

/** Boolean prefixes: exact values, no stemming or wildcards. */
export type ExactField = 'mid' | 'lid' | 'patchid' | 'dfpre' | 'dfpost' | 'dfblob';
const EXACT_PREFIXES = new Set<string>(['mid', 'lid', 'patchid', 'dfpre', 'dfpost', 'dfblob']);

export type QueryNode =
  | { kind: 'and'; items: QueryNode[] }
  | { kind: 'or'; items: QueryNode[] }
  /** Only ever an item of an 'and' with at least one positive item: no pure negation. */
  | { kind: 'not'; item: QueryNode }
  /** Words as written: one word, a phrase, or (wildcard) the start of words; never stemmed. */
  | { kind: 'text'; columns: TextColumn[]; text: string; wildcard: boolean }
  /** A lowercase word, found by its stem (Xapian's Z terms); `unstemmedToo` as in mail/terms.ts. */
  | { kind: 'stem'; columns: TextColumn[]; stem: string; unstemmedToo: boolean }
  | { kind: 'exact'; field: ExactField; value: string }
  /** Inclusive range in Unix seconds over the sent date (ds) or the arrival time (ts). */
  | { kind: 'range'; field: 'ds' | 'ts'; from?: number; to?: number };

export class QueryError extends Error {}

type Token =
  | { t: 'lp' }
  | { t: 'rp' }
  | { t: 'op'; op: 'AND' | 'OR' | 'NOT' | 'XOR' }
  /** `next`: the query's character right after an unquoted word ('' at the end), for stemming. */
  | { t: 'term'; prefix: string; value: string; quoted: boolean; sign: '' | '+' | '-'; next?: string };

const QUOTES = /["\u201c\u201d]/;

/** Split a query into tokens; `prefix:"a phrase"` and `-"a phrase"` stay one token. */
function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const ch = q[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(') {
      out.push({ t: 'lp' });
      i++;
      continue;
    }
    if (ch === ')') {
      out.push({ t: 'rp' });
      i++;
      continue;
    }
    let sign: '' | '+' | '-' = '';
    if ((ch === '+' || ch === '-') && i + 1 < q.length && !/\s/.test(q[i + 1])) {
      sign = ch;
      i++;
    }
    let prefix = '';
    const pm = /^([a-z]+):(?=\S)/.exec(q.slice(i));
    if (pm && (pm[1] in TEXT_PREFIXES || EXACT_PREFIXES.has(pm[1]) || ['d', 'dt', 'rt'].includes(pm[1]))) {
      prefix = pm[1];
      i += pm[0].length;
    }
    if (QUOTES.test(q[i] ?? '')) {
      let j = i + 1;
      while (j < q.length && !QUOTES.test(q[j])) j++;
      out.push({ t: 'term', prefix, value: q.slice(i + 1, j), quoted: true, sign });
      i = j + 1;
      continue;
    }
    if (prefix && q[i] === '(') {
      // prefix:(a b) applies the prefix to every term inside
      let depth = 0;
      let j = i;
      for (; j < q.length; j++) {
        if (q[j] === '(') depth++;
        else if (q[j] === ')' && --depth === 0) break;
      }
      const inner = tokenize(q.slice(i + 1, j)).map((tk) => (tk.t === 'term' && !tk.prefix ? { ...tk, prefix } : tk));
      out.push({ t: 'lp' }, ...inner, { t: 'rp' });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < q.length && !/[\s()]/.test(q[j])) j++;
    const word = q.slice(i, j);
    i = j;
    if (!prefix && !sign && /^(AND|OR|NOT|XOR)$/.test(word))
      out.push({ t: 'op', op: word as 'AND' | 'OR' | 'NOT' | 'XOR' });
    else if (word !== '' || prefix) out.push({ t: 'term', prefix, value: word, quoted: false, sign, next: q[i] ?? '' });
  }
  return out;
}

/** Calendar day (UTC) of a `YYYYMMDD` or `YYYY-MM-DD`, or undefined. */
function dayStart(s: string): number | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000;
  return Number.isNaN(t) ? undefined : t;
}

function stamp14(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000 : undefined;
}

const DAY = 86400;

/**
 * d:, dt: and rt: ranges as public-inbox reads them (Search::date_parse_prepare): a single d: day
 * also covers the next day; anything but dates upgrades to second precision via approxidate.
 */
function dateRange(prefix: string, value: string, now: number): QueryNode {
  const parse = (s: string): number => {
    const t = approxidate(s, now);
    if (t === undefined) throw new QueryError(`cannot read the date "${s}" in ${prefix}:${value}`);
    return t;
  };
  const parts = value.split('..');
  if (parts.length > 2) throw new QueryError(`a ${prefix}: range has one "..": ${prefix}:${value}`);
  const [a, b] = parts;
  if (prefix === 'rt') {
    const side = (s: string) => (/^\d{5,}$/.test(s) ? Number(s) : parse(s));
    if (b === undefined) {
      const from = side(a);
      return { kind: 'range', field: 'ts', from, to: from + DAY };
    }
    return { kind: 'range', field: 'ts', from: a ? side(a) : undefined, to: b ? side(b) : undefined };
  }
  if (prefix === 'dt') {
    const side = (s: string) => stamp14(s) ?? parse(s);
    if (b === undefined) {
      const from = side(a);
      return { kind: 'range', field: 'ds', from, to: from + DAY };
    }
    return { kind: 'range', field: 'ds', from: a ? side(a) : undefined, to: b ? side(b) : undefined };
  }
  // d: whole days (YYYYMMDD values, inclusive) unless a side needs approxidate
  if (b === undefined) {
    const day = dayStart(a);
    if (day !== undefined) return { kind: 'range', field: 'ds', from: day, to: day + 2 * DAY - 1 };
    const from = parse(a);
    return { kind: 'range', field: 'ds', from, to: from + DAY };
  }
  const days = [a, b].map((s) => (s === '' || /^\d{8}$/.test(s) || /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined));
  if (days.every((s) => s !== undefined)) {
    return {
      kind: 'range',
      field: 'ds',
      from: a ? dayStart(a)! : undefined,
      to: b ? dayStart(b)! + DAY - 1 : undefined,
    };
  }
  const side = (s: string) => (/^\d{8}$/.test(s) ? dayStart(s)! : parse(s));
  return { kind: 'range', field: 'ds', from: a ? side(a) : undefined, to: b ? side(b) : undefined };
}

function leaf(tk: Extract<Token, { t: 'term' }>, now: number): QueryNode {
  const { prefix, value, quoted } = tk;
  if (prefix === 'd' || prefix === 'dt' || prefix === 'rt') {
    if (quoted) return textLeaf(TEXT_PREFIXES[''], `${prefix}:${value}`, false);
    return dateRange(prefix, value, now);
  }
  if (EXACT_PREFIXES.has(prefix)) {
    if (value === '') throw new QueryError(`${prefix}: needs a value`);
    const v = prefix === 'lid' ? value.replace(/^<|>$/g, '').toLowerCase() : value.replace(/^<|>$/g, '');
    return { kind: 'exact', field: prefix as ExactField, value: v };
  }
  const columns = TEXT_PREFIXES[prefix];
  if (quoted) return textLeaf(columns, value, false);
  if (value.endsWith('*')) {
    // a wildcard is the start of one word; Xapian reads `virtio-net*` as the phrase "virtio net"
    const text = value.replace(/\*+$/, '');
    const w = words(text);
    return w.length === 1 ? textLeaf(columns, w[0], true) : textLeaf(columns, text, false);
  }
  const stemmed = queryStem(value, tk.next ?? '');
  return stemmed ? { kind: 'stem', columns, ...stemmed } : textLeaf(columns, value, false);
}

function textLeaf(columns: TextColumn[], text: string, wildcard: boolean): QueryNode {
  if (!/[\p{L}\p{N}_]/u.test(text)) throw new QueryError(`nothing to search for in "${text}"`);
  return { kind: 'text', columns, text, wildcard };
}

/** Parse a query; `now` (Unix seconds) anchors relative dates. Throws QueryError on bad input. */
export function parseQuery(q: string, now: number): QueryNode {
  const tokens = tokenize(q.replace(/\0/g, ' '));
  let pos = 0;
  const peek = () => tokens[pos];

  const primary = (): QueryNode => {
    const tk = tokens[pos++];
    if (!tk) throw new QueryError('the query ends where a term was expected');
    if (tk.t === 'lp') {
      const inner = orExpr();
      if (peek()?.t !== 'rp') throw new QueryError('a "(" is not closed');
      pos++;
      return inner;
    }
    if (tk.t === 'term') {
      const node = leaf(tk, now);
      return tk.sign === '-' ? { kind: 'not', item: node } : node;
    }
    throw new QueryError(tk.t === 'rp' ? 'a ")" has no "("' : `"${tk.op}" needs a term before and after it`);
  };

  // Xapian's precedence: terms side by side (the default AND) bind tightest, so that
  // `a NOT b c` excludes messages with both b and c; then AND and NOT; then OR
  const group = (): QueryNode => {
    const items: QueryNode[] = [primary()];
    for (let tk = peek(); tk && (tk.t === 'term' || tk.t === 'lp'); tk = peek()) items.push(primary());
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };

  const andExpr = (): QueryNode => {
    const items: QueryNode[] = [group()];
    for (;;) {
      const tk = peek();
      if (!tk || tk.t !== 'op' || (tk.op !== 'AND' && tk.op !== 'NOT')) break;
      pos++;
      const operand = group();
      items.push(tk.op === 'NOT' ? { kind: 'not', item: operand } : operand);
    }
    const flat = items.flatMap((n) => (n.kind === 'and' ? n.items : [n]));
    if (flat.every((n) => n.kind === 'not'))
      throw new QueryError('a query cannot only exclude: add a term to search for');
    return flat.length === 1 ? flat[0] : { kind: 'and', items: flat };
  };

  const orExpr = (): QueryNode => {
    const items = [andExpr()];
    while (peek()?.t === 'op' && (peek() as { op: string }).op !== 'AND' && (peek() as { op: string }).op !== 'NOT') {
      const op = (tokens[pos++] as { op: string }).op;
      if (op === 'XOR') throw new QueryError('XOR is not supported');
      items.push(andExpr());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };

  if (!tokens.length) throw new QueryError('empty query');
  const tree = orExpr();
  if (pos < tokens.length)
    throw new QueryError(tokens[pos].t === 'rp' ? 'a ")" has no "("' : 'unexpected text at the end of the query');
  const merged = merge(tree);
  const terms = countTerms(merged);
  if (terms > MAX_TERMS) {
    throw new QueryError(
      `too many search terms: ${terms} different ones, at most ${MAX_TERMS} are searched for at once`,
    );
  }
  return merged;
}

/** The tree with nested ANDs and ORs flattened and repeated items merged: `a OR a` costs what `a` costs. */
function merge(node: QueryNode): QueryNode {
  if (node.kind === 'not') return { kind: 'not', item: merge(node.item) };
  if (node.kind !== 'and' && node.kind !== 'or') return node;
  const seen = new Map<string, QueryNode>();
  for (const item of node.items.map(merge)) {
    for (const i of item.kind === node.kind ? item.items : [item]) seen.set(JSON.stringify(i), i);
  }
  const items = [...seen.values()];
  return items.length === 1 ? items[0] : { kind: node.kind, items };
}

/** Full-text terms of a (merged) tree, the same term counted once. */
function countTerms(node: QueryNode, seen = new Set<string>()): number {
  if (node.kind === 'text' || node.kind === 'stem') seen.add(JSON.stringify(node));
  else if (node.kind === 'not') countTerms(node.item, seen);
  else if (node.kind === 'and' || node.kind === 'or') for (const i of node.items) countTerms(i, seen);
  return seen.size;
}
