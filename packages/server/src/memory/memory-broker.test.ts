import { describe, expect, it } from 'vitest';
import { runBrokerSuite } from '../testkit/broker-suite.js';
import { IdempotencyCache } from './idempotency-cache.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';

runBrokerSuite(
  'MemoryBroker',
  (count, { now }) => {
    const bus = new MemoryBus({ now });
    return Array.from({ length: count }, () => new MemoryBroker({ bus }));
  },
  { fakeClock: true },
);

describe('IdempotencyCache', () => {
  it('forgets a key at its expiry time', () => {
    let now = 0;
    const cache = new IdempotencyCache(() => now);
    cache.set('k', { offset: 1 }, 100);
    now = 99;
    expect(cache.get('k')).toEqual({ offset: 1 });
    now = 100;
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops expired keys when new ones are added, so it does not grow without bound', () => {
    let now = 0;
    const cache = new IdempotencyCache(() => now);
    for (let i = 0; i < 1000; i++) cache.set(`a${i}`, {}, 10);
    now = 10;
    cache.set('b', {}, 10);
    expect(cache.size).toBe(1);
  });

  it('evicts the oldest key when it is full', () => {
    const cache = new IdempotencyCache(() => 0, 2);
    cache.set('a', {}, 1000);
    cache.set('b', {}, 1000);
    cache.set('c', {}, 1000);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, {}, {}]);
  });
});

describe('MemoryBroker', () => {
  it('rejects publishes after close', async () => {
    const broker = new MemoryBroker();
    await broker.start({ handlePublication() {} });
    await broker.close();
    await expect(broker.publish({ channel: 'a', data: 1 }, {})).rejects.toThrow('closed');
  });
});
