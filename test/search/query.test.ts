import { describe, it, expect } from 'vitest';
import { MAX_TERMS, parseQuery, QueryError } from '../../src/search/query.js';
import { approxidate } from '../../src/search/approxidate.js';

const NOW = Date.UTC(2023, 10, 21, 12, 0, 0) / 1000;
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000;

/** A word searched as written (capitalised, quoted, a phrase). */
const t = (text: string, columns: string[] = ['s']) => ({ kind: 'text', columns, text, wildcard: false });
/** A lowercase word searched by its stem. */
const z = (stem: string, unstemmedToo: boolean, columns: string[] = ['s']) => ({
  kind: 'stem',
  columns,
  stem,
  unstemmedToo,
});
const DEFAULT = ['m', 's', 'f', 'q', 'n', 'nq', 'dfn', 'dfa', 'dfb', 'dfhh', 'dfctx'];

describe('the query language', () => {
  it('reads prefixes, phrases, wildcards and implicit AND', () => {
    expect(parseQuery('s:"memory barrier" f:mst vring*', NOW)).toEqual({
      kind: 'and',
      items: [
        t('memory barrier'),
        z('mst', true, ['f']),
        { kind: 'text', columns: DEFAULT, text: 'vring', wildcard: true },
      ],
    });
  });
  it("reads b4's queries: OR, parentheses, nested prefixes and an open date range", () => {
    const q = parseQuery(
      '(nq:"change-id: 20230101-abc" OR (s:"vhost: fix" AND f:"mst@redhat.com")) AND d:20230101..',
      NOW,
    );
    expect(q).toEqual({
      kind: 'and',
      items: [
        {
          kind: 'or',
          items: [
            t('change-id: 20230101-abc', ['nq', 'dfn', 'dfa', 'dfb', 'dfhh', 'dfctx']),
            { kind: 'and', items: [t('vhost: fix'), t('mst@redhat.com', ['f'])] },
          ],
        },
        { kind: 'range', field: 'ds', from: day(2023, 1, 1), to: undefined },
      ],
    });
  });
  it('binds terms side by side tighter than NOT, AND and OR, as Xapian does', () => {
    // `a NOT b c` excludes what has both b and c; `a b OR c d` is (a b) OR (c d)
    expect(parseQuery('s:virtio NOT s:vhost f:jason', NOW)).toEqual({
      kind: 'and',
      items: [
        z('virtio', true),
        { kind: 'not', item: { kind: 'and', items: [z('vhost', true), z('jason', true, ['f'])] } },
      ],
    });
    expect(parseQuery('s:A s:B OR s:C s:D', NOW)).toEqual({
      kind: 'or',
      items: [
        { kind: 'and', items: [t('A'), t('B')] },
        { kind: 'and', items: [t('C'), t('D')] },
      ],
    });
    expect(parseQuery('s:A NOT s:B OR s:C', NOW)).toEqual({
      kind: 'or',
      items: [{ kind: 'and', items: [t('A'), { kind: 'not', item: t('B') }] }, t('C')],
    });
  });
  it("stems as Xapian's QueryParser does with STEM_SOME (what quest -s english parses)", () => {
    // lowercase words by their porter2 stem; "generic" is not "generate" as FTS5's porter had it
    expect(parseQuery('s:patches', NOW)).toEqual(z('patch', true));
    expect(parseQuery('s:generic', NOW)).toEqual(z('generic', true));
    expect(parseQuery('s:virtqueues', NOW)).toEqual(z('virtqueu', true));
    // a stem that is not its own stem is only ever found among the stems
    expect(parseQuery('s:dying', NOW)).toEqual(z('die', true));
    expect(parseQuery('s:fooBar', NOW)).toEqual(z('foobar', true));
    expect(parseQuery('fixes.', NOW)).toEqual(z('fix', true, DEFAULT));
    // capitalised, starting with a digit or '_', followed by a stem preventer: as written
    expect(parseQuery('s:PATCH', NOW)).toEqual(t('PATCH'));
    expect(parseQuery('s:Virtqueues', NOW)).toEqual(t('Virtqueues'));
    expect(parseQuery('s:2fast', NOW)).toEqual(t('2fast'));
    expect(parseQuery('s:_foo', NOW)).toEqual(t('_foo'));
    for (const w of ['foo=', 'foo@', 'foo<', 'foo[', 'foo{', 'foo/']) expect(parseQuery(`s:${w}`, NOW)).toEqual(t(w));
    expect(parseQuery('s:foo(bar)', NOW)).toEqual({ kind: 'and', items: [t('foo'), z('bar', true, DEFAULT)] });
    // phrases, quoted words and wildcards are never stemmed; a wildcard on several words is a phrase
    expect(parseQuery('s:"patches"', NOW)).toEqual(t('patches'));
    expect(parseQuery('s:vhost-vdpa', NOW)).toEqual(t('vhost-vdpa'));
    expect(parseQuery('s:Patches*', NOW)).toEqual({ kind: 'text', columns: ['s'], text: 'patches', wildcard: true });
    expect(parseQuery('s:virtio-net*', NOW)).toEqual(t('virtio-net'));
  });
  it('merges repeated terms and refuses more than MAX_TERMS different ones', () => {
    expect(parseQuery(Array(1000).fill('the').join(' OR '), NOW)).toEqual(z('the', true, DEFAULT));
    expect(parseQuery(Array(2700).fill('a*').join(' '), NOW)).toEqual({
      kind: 'text',
      columns: DEFAULT,
      text: 'a',
      wildcard: true,
    });
    expect(parseQuery('(s:a OR s:b) AND (s:a OR (s:b OR s:a)) s:c s:c', NOW)).toEqual({
      kind: 'and',
      items: [{ kind: 'or', items: [z('a', true), z('b', true)] }, z('c', true)],
    });
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' OR ');
    expect(() => parseQuery(words(MAX_TERMS), NOW)).not.toThrow();
    expect(() => parseQuery(words(MAX_TERMS + 1), NOW)).toThrow(/too many search terms: 65/);
  });
  it('reads NOT, + and - and refuses a query that only excludes', () => {
    expect(parseQuery('vhost NOT net', NOW)).toMatchObject({ kind: 'and', items: [{ kind: 'stem' }, { kind: 'not' }] });
    expect(parseQuery('+vhost -net', NOW)).toMatchObject({ kind: 'and', items: [{ kind: 'stem' }, { kind: 'not' }] });
    expect(() => parseQuery('-net', NOW)).toThrow(QueryError);
    expect(() => parseQuery('(vhost', NOW)).toThrow(/not closed/);
    expect(() => parseQuery('', NOW)).toThrow(QueryError);
  });
  it('reads boolean prefixes exactly', () => {
    expect(parseQuery('patchid:0123abcd OR patchid:4567ef01', NOW)).toEqual({
      kind: 'or',
      items: [
        { kind: 'exact', field: 'patchid', value: '0123abcd' },
        { kind: 'exact', field: 'patchid', value: '4567ef01' },
      ],
    });
    expect(parseQuery('mid:<a@b>', NOW)).toEqual({ kind: 'exact', field: 'mid', value: 'a@b' });
    expect(parseQuery('dfblob:abcdef0', NOW)).toEqual({ kind: 'exact', field: 'dfblob', value: 'abcdef0' });
  });
  it('reads dates as public-inbox does: a single d: day also covers the next one', () => {
    expect(parseQuery('d:20200910', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: day(2020, 9, 10),
      to: day(2020, 9, 12) - 1,
    });
    expect(parseQuery('d:2020-09-10', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: day(2020, 9, 10),
      to: day(2020, 9, 12) - 1,
    });
    expect(parseQuery('d:20200910..20200910', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: day(2020, 9, 10),
      to: day(2020, 9, 11) - 1,
    });
    expect(parseQuery('d:..20200910', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: undefined,
      to: day(2020, 9, 11) - 1,
    });
    expect(parseQuery('d:2.weeks.ago..', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: NOW - 14 * 86400,
      to: undefined,
    });
    expect(parseQuery('d:last.week..', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: NOW - 7 * 86400,
      to: undefined,
    });
    expect(parseQuery('dt:20200910120000..20200910130000', NOW)).toEqual({
      kind: 'range',
      field: 'ds',
      from: day(2020, 9, 10) + 43200,
      to: day(2020, 9, 10) + 46800,
    });
    expect(parseQuery('rt:1600000000..', NOW)).toEqual({ kind: 'range', field: 'ts', from: 1600000000, to: undefined });
    expect(() => parseQuery('d:someday', NOW)).toThrow(/cannot read the date/);
  });
});

describe('approxidate', () => {
  it('reads the forms people type', () => {
    expect(approxidate('yesterday', NOW)).toBe(NOW - 86400);
    expect(approxidate('3.days.ago', NOW)).toBe(NOW - 3 * 86400);
    expect(approxidate('2 months ago', NOW)).toBe(Date.UTC(2023, 8, 21, 12) / 1000);
    expect(approxidate('last.year', NOW)).toBe(Date.UTC(2022, 10, 21, 12) / 1000);
    expect(approxidate('2020-09-10 12:30', NOW)).toBe(day(2020, 9, 10) + 45000);
    expect(approxidate('Sep 10 2020', NOW)).toBe(day(2020, 9, 10));
    expect(approxidate('gibberish', NOW)).toBeUndefined();
  });
});
