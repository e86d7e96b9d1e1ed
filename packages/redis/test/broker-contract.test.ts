import { runBrokerSuite, runHistorySuite, runPresenceSuite } from '@relais/server/testkit';
import { afterAll, beforeAll } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
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

function freshPrefix(): string {
  const prefix = uniquePrefix('contract');
  prefixes.push(prefix);
  return prefix;
}

/** Each test gets brokers under a fresh prefix: a cluster of its own, as with a fresh MemoryBus. */
function brokers(urls: () => string[]) {
  return (count: number): RedisBroker[] => {
    const prefix = freshPrefix();
    made = Array.from({ length: count }, () => new RedisBroker({ urls: urls(), prefix }));
    return made;
  };
}

function stores(urls: () => string[]) {
  return (count: number): RedisPresenceStore[] => {
    const prefix = freshPrefix();
    return Array.from({ length: count }, () => new RedisPresenceStore({ urls: urls(), prefix }));
  };
}

// Every publication accepted so far has reached each node once a PING on each of its
// subscriber connections is answered.
async function settle(): Promise<void> {
  await Promise.all(made.map((broker) => broker.settle().catch(() => {})));
}

const oneShard = () => [REDIS_URL];
const twoShards = () => [REDIS_URL, second.url];
for (const [name, urls] of [
  ['1 shard', oneShard],
  ['2 shards', twoShards],
] as const) {
  runBrokerSuite(`RedisBroker, ${name}`, brokers(urls), { settle });
  // Redis expires by its own clock: TTLs are tested with short real ones.
  runHistorySuite(`RedisBroker, ${name}`, brokers(urls), { settle, realTtlMs: 150 });
  runPresenceSuite(`RedisPresenceStore, ${name}`, stores(urls), { realTtlMs: 150 });
}
