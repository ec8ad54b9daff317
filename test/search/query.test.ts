import { describe, it, expect } from 'vitest';
import { parseQuery, QueryError } from '../../src/search/query.js';
import { approxidate } from '../../src/search/approxidate.js';

const NOW = Date.UTC(2023, 10, 21, 12, 0, 0) / 1000;
const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000;

describe('the query language', () => {
  it('reads prefixes, phrases, wildcards and implicit AND', () => {
    expect(parseQuery('s:"memory barrier" f:mst vring*', NOW)).toEqual({
      kind: 'and',
      items: [
        { kind: 'text', columns: ['s'], text: 'memory barrier', wildcard: false },
        { kind: 'text', columns: ['f'], text: 'mst', wildcard: false },
        {
          kind: 'text',
          columns: ['m', 's', 'f', 'q', 'n', 'nq', 'dfn', 'dfa', 'dfb', 'dfhh', 'dfctx'],
          text: 'vring',
          wildcard: true,
        },
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
            {
              kind: 'text',
              columns: ['nq', 'dfn', 'dfa', 'dfb', 'dfhh', 'dfctx'],
              text: 'change-id: 20230101-abc',
              wildcard: false,
            },
            {
              kind: 'and',
              items: [
                { kind: 'text', columns: ['s'], text: 'vhost: fix', wildcard: false },
                { kind: 'text', columns: ['f'], text: 'mst@redhat.com', wildcard: false },
              ],
            },
          ],
        },
        { kind: 'range', field: 'ds', from: day(2023, 1, 1), to: undefined },
      ],
    });
  });
  it('binds terms side by side tighter than NOT, AND and OR, as Xapian does', () => {
    const t = (text: string, columns = ['s']) => ({ kind: 'text', columns, text, wildcard: false });
    // `a NOT b c` excludes what has both b and c; `a b OR c d` is (a b) OR (c d)
    expect(parseQuery('s:virtio NOT s:vhost f:jason', NOW)).toEqual({
      kind: 'and',
      items: [t('virtio'), { kind: 'not', item: { kind: 'and', items: [t('vhost'), t('jason', ['f'])] } }],
    });
    expect(parseQuery('s:a s:b OR s:c s:d', NOW)).toEqual({
      kind: 'or',
      items: [
        { kind: 'and', items: [t('a'), t('b')] },
        { kind: 'and', items: [t('c'), t('d')] },
      ],
    });
    expect(parseQuery('s:a NOT s:b OR s:c', NOW)).toEqual({
      kind: 'or',
      items: [{ kind: 'and', items: [t('a'), { kind: 'not', item: t('b') }] }, t('c')],
    });
  });
  it('reads NOT, + and - and refuses a query that only excludes', () => {
    expect(parseQuery('vhost NOT net', NOW)).toMatchObject({ kind: 'and', items: [{ kind: 'text' }, { kind: 'not' }] });
    expect(parseQuery('+vhost -net', NOW)).toMatchObject({ kind: 'and', items: [{ kind: 'text' }, { kind: 'not' }] });
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
