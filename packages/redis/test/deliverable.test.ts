/**
 * What the node acknowledges, it delivers, on the Redis engine: the suite the memory engine runs
 * (see @relais/server/testkit), on one node whose broker and presence store live in Redis. Item
 * 6 of the hardening issue is Redis's own: a lone surrogate in a channel name would become
 * U+FFFD in the keys, and two channels one.
 */
import { runDeliverableSuite } from '@relais/server/testkit';
import { afterAll } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

const prefixes: string[] = [];

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

runDeliverableSuite('Redis engine', {
  engine: () => {
    const prefix = uniquePrefix('deliverable');
    prefixes.push(prefix);
    const options = { urls: [REDIS_URL], prefix };
    return { broker: new RedisBroker(options), presence: new RedisPresenceStore(options) };
  },
});
