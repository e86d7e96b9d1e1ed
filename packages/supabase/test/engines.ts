/**
 * @module engines
 * The engines two test nodes can share: a MemoryBus, or one Redis prefix. The Redis keys are
 * deleted by a step pushed on `cleanups`, which the test file runs after its nodes are closed.
 */
import { MemoryBroker, MemoryBus, MemoryPresenceStore, type RelaisOptions } from '@relais/server';
import { RedisBroker, RedisPresenceStore } from '@relais/redis';
import { REDIS_URL, deleteKeys, uniquePrefix } from '../../redis/test/redis-helpers.js';

/** `[name, shared]` rows for `describe.each`: each `shared()` call makes one engine, and what it returns makes each node's part of it. */
export function sharedEngines(prefix: string, cleanups: Array<() => Promise<void>>): Array<[string, () => () => RelaisOptions['engine']]> {
  return [
    [
      'memory',
      () => {
        const bus = new MemoryBus();
        return () => ({ broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) });
      },
    ],
    [
      'redis',
      () => {
        const options = { urls: [REDIS_URL], prefix: uniquePrefix(prefix) };
        cleanups.push(() => deleteKeys(REDIS_URL, options.prefix));
        return () => ({ broker: new RedisBroker(options), presence: new RedisPresenceStore(options) });
      },
    ],
  ];
}
