import { describe, it, expect } from 'vitest';
import { MAX_DROPPED_CHARS, ResponseCache } from '../../src/serve/response-cache.js';
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

  it('remembers the keys dropped last, up to MAX_DROPPED_CHARS of them', () => {
    const cache = new ResponseCache(1 << 30);
    // keys of 1 KiB: 1,024 fit, the first of 1,025 is forgotten
    const key = (i: number) => `/${i}/`.padEnd(1024, 'x');
    const fit = MAX_DROPPED_CHARS / 1024;
    for (let i = 0; i <= fit; i++) cache.set(key(i), page(String(i)), ['t']);
    cache.invalidate(new Set(['t']));
    expect(cache.droppedByChange(key(0))).toBe(false);
    expect(cache.droppedByChange(key(1))).toBe(true);
    expect(cache.droppedByChange(key(fit))).toBe(true);
    // a key dropped again counts once
    cache.set(key(fit), page('again'), ['t']);
    cache.invalidate(new Set(['t']));
    expect(cache.droppedByChange(key(1))).toBe(true);
  });
});
