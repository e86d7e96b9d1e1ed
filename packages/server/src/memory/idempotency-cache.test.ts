import { describe, expect, it } from 'vitest';
import { IdempotencyCache, idempotencyEntryBytes } from './idempotency-cache.js';

const TTL = 1_000;

describe('IdempotencyCache', () => {
  it('remembers a result until its TTL passes', () => {
    let now = 0;
    const cache = new IdempotencyCache(() => now);
    cache.set('a', { offset: 1, epoch: 'e' }, TTL);
    now = TTL - 1;
    expect(cache.get('a')).toEqual({ offset: 1, epoch: 'e' });
    now = TTL;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('drops expired keys when new ones are added, so it does not grow without bound', () => {
    let now = 0;
    const cache = new IdempotencyCache(() => now);
    for (let i = 0; i < 1000; i++) cache.set(`a${i}`, {}, 10);
    now = 10;
    cache.set('b', {}, 10);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(idempotencyEntryBytes('b'));
  });

  it('keeps at most maxKeys and maxBytes, forgetting the oldest first', () => {
    const byCount = new IdempotencyCache(() => 0, { maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) byCount.set(key, {}, TTL);
    expect([byCount.get('a'), byCount.get('b'), byCount.get('c')]).toEqual([undefined, {}, {}]);
    const byBytes = new IdempotencyCache(() => 0, { maxBytes: 2 * idempotencyEntryBytes('k1') });
    for (const key of ['k1', 'k2', 'k3']) byBytes.set(key, {}, TTL);
    expect(byBytes.size).toBe(2);
    expect(byBytes.get('k1')).toBeUndefined();
    expect(byBytes.bytes).toBe(2 * idempotencyEntryBytes('k1'));
  });

  it("keeps at most maxKeys keys of one owner, its oldest forgotten first, others' untouched", () => {
    const cache = new IdempotencyCache(() => 0);
    const flood = { id: 'attacker', maxKeys: 3 };
    cache.set('victim', { offset: 1 }, TTL, { id: 'victim', maxKeys: 3 });
    for (let i = 0; i < 1_000; i++) cache.set(`k${i}`, {}, TTL, flood);
    expect(cache.size).toBe(4);
    expect(cache.get('victim')).toEqual({ offset: 1 });
    expect([cache.get('k996'), cache.get('k997'), cache.get('k998'), cache.get('k999')]).toEqual([undefined, {}, {}, {}]);
  });

  it('forgets an owner once its keys expired, so closed connections leave nothing behind', () => {
    let now = 0;
    const cache = new IdempotencyCache(() => now);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, {}, TTL, { id: `client-${i}`, maxKeys: 10 });
    expect(cache.owners).toBe(100);
    now = TTL;
    cache.set('later', {}, TTL);
    expect(cache.owners).toBe(0);
    expect(cache.size).toBe(1);
  });
});
