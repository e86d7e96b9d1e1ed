import { runBrokerSuite } from '@relais/server/testkit';
import { afterAll, beforeAll } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, RedisServer, deleteKeys, uniquePrefix } from './redis-helpers.js';

let second: RedisServer;
const prefixes: string[] = [];
let made: RedisBroker[] = [];

beforeAll(async () => {
  second = await RedisServer.start();
});

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteKeys(REDIS_URL, prefix)));
  await second.kill();
});

/** Each test gets brokers under a fresh prefix: a cluster of its own, as with a fresh MemoryBus. */
function brokers(urls: () => string[]) {
  return (count: number): RedisBroker[] => {
    const prefix = uniquePrefix('contract');
    prefixes.push(prefix);
    const list = Array.from({ length: count }, () => new RedisBroker({ urls: urls(), prefix }));
    made = list;
    return list;
  };
}

// Every publication accepted so far has reached each node once a PING on each of its
// subscriber connections is answered.
async function settle(): Promise<void> {
  await Promise.all(made.map((broker) => broker.settle().catch(() => {})));
}

runBrokerSuite('RedisBroker, 1 shard', brokers(() => [REDIS_URL]), { settle });
runBrokerSuite('RedisBroker, 2 shards', brokers(() => [REDIS_URL, second.url]), { settle });
