import { describe, expect, it } from 'vitest';
import { runBrokerSuite } from '../testkit/broker-suite.js';
import { runHistorySuite } from '../testkit/history-suite.js';
import { runPresenceSuite } from '../testkit/presence-suite.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryPresenceStore } from './memory-presence-store.js';

runBrokerSuite(
  'MemoryBroker',
  (count, { now }) => {
    const bus = new MemoryBus({ now });
    return Array.from({ length: count }, () => new MemoryBroker({ bus }));
  },
  { fakeClock: true },
);

runHistorySuite(
  'MemoryBroker',
  (count, { now }) => {
    const bus = new MemoryBus({ now });
    return Array.from({ length: count }, () => new MemoryBroker({ bus }));
  },
  { fakeClock: true },
);

runPresenceSuite(
  'MemoryPresenceStore',
  (count, { now }) => {
    const bus = new MemoryBus();
    return Array.from({ length: count }, () => new MemoryPresenceStore({ bus, now }));
  },
  { fakeClock: true },
);

describe('MemoryBroker', () => {
  it('rejects publishes after close', async () => {
    const broker = new MemoryBroker();
    await broker.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
    await broker.close();
    await expect(broker.publish({ channel: 'a', data: 1 }, {})).rejects.toThrow('closed');
    await expect(broker.history('a', {})).rejects.toThrow('closed');
    await expect(broker.publishJoin('a', { client: 'c', user: '' })).rejects.toThrow('closed');
  });

  it('keeps history in the bus: a new broker on the same bus continues the stream', async () => {
    const bus = new MemoryBus();
    const first = new MemoryBroker({ bus });
    await first.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
    const result = await first.publish({ channel: 'a', data: 1 }, { history: { size: 10, ttlMs: 60_000 } });
    await first.close();
    const second = new MemoryBroker({ bus });
    expect((await second.history('a', {})).position).toEqual({ offset: 1, epoch: result.epoch });
  });
});

describe('MemoryPresenceStore', () => {
  it('drops the channel once its last entry expired, so memory is bounded', async () => {
    let now = 0;
    const bus = new MemoryBus();
    const store = new MemoryPresenceStore({ bus, now: () => now });
    await store.add('a', { client: 'c', user: 'u' }, 10);
    now = 10;
    expect(await store.stats('a')).toEqual({ clients: 0, users: 0 });
    expect(bus.presenceEntries.size).toBe(0);
  });
});
