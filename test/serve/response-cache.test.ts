import { describe, it, expect } from 'vitest';
import { ResponseCache } from '../../src/serve/response-cache.js';
import { answerOf } from '../../src/serve/answer.js';

const page = (text: string) => answerOf(200, { 'Content-Type': 'text/html; charset=UTF-8' }, Buffer.from(text), '"e"');

describe('ResponseCache', () => {
  it('remembers which answers new mail dropped, until one is kept again', () => {
    const cache = new ResponseCache(1 << 20);
    cache.set('/a', page('a'), ['t1']);
    cache.set('/b', page('b'), ['t2']);
    expect(cache.droppedByChange('/a')).toBe(false);
    cache.invalidate(new Set(['t1']));
    expect(cache.has('/a')).toBe(false);
    expect(cache.droppedByChange('/a')).toBe(true);
    expect(cache.droppedByChange('/b')).toBe(false);
    cache.set('/a', page('a2'), ['t1']);
    expect(cache.droppedByChange('/a')).toBe(false);
    cache.invalidate('everything');
    expect(cache.droppedByChange('/a')).toBe(true);
    expect(cache.droppedByChange('/b')).toBe(true);
  });

  it('does not count an answer pushed out for room as dropped by mail', () => {
    // room for nine answers of 20 KB (one may take an eighth of it): the tenth pushes out the first
    const cache = new ResponseCache(200_000);
    for (let i = 0; i < 10; i++) cache.set(`/${i}`, page('x'.repeat(20_000)), ['t']);
    expect(cache.has('/9')).toBe(true);
    expect(cache.has('/0')).toBe(false);
    expect(cache.droppedByChange('/0')).toBe(false);
  });

  it('remembers the 10,000 keys dropped last', () => {
    const cache = new ResponseCache(1 << 30);
    for (let i = 0; i <= 10_000; i++) cache.set(`/${i}`, page(String(i)), ['t']);
    cache.invalidate(new Set(['t']));
    expect(cache.droppedByChange('/0')).toBe(false);
    expect(cache.droppedByChange('/1')).toBe(true);
    expect(cache.droppedByChange('/10000')).toBe(true);
  });
});
