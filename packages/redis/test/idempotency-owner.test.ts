/**
 * The per-connection bound on idempotency keys, on the Redis engine: with and without history
 * (the two publish scripts), a connection keeps at most limits.maxIdempotencyKeysPerConnection
 * keys in Redis, its oldest forgotten first, and nobody else's.
 */
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { createRelais, type Relais } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

let relais: Relais | undefined;
const clients: TestClient[] = [];
let prefix = '';

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await relais?.close();
  relais = undefined;
  await deleteKeys(REDIS_URL, prefix);
});

async function connect(url: string): Promise<TestClient> {
  const client = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL });
  clients.push(client);
  await client.call('connect');
  return client;
}

async function countKeys(pattern: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
}

describe('idempotency keys per connection on Redis', () => {
  it.each(['room', 'live'])("keeps at most maxIdempotencyKeysPerConnection of one connection's keys (%s namespace)", async (namespace) => {
    prefix = uniquePrefix('idown');
    relais = createRelais({
      engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }) },
      namespaces: { room: { historySize: 100, historyTtlMs: 60_000 }, live: {} },
      limits: { maxIdempotencyKeysPerConnection: 3 },
    });
    const { port } = await relais.listen({ port: 0 });
    const url = `ws://127.0.0.1:${port}${relais.options.path}`;
    const flooder = await connect(url);
    const other = await connect(url);
    const channel = `${namespace}:a`;
    const publish = (client: TestClient, key: string): Promise<unknown> =>
      client.call('publish', { channel, data: key, idempotencyKey: key });
    await publish(other, 'other-key');
    for (let i = 0; i < 20; i++) await publish(flooder, `k${i}`);
    // Redis holds the other connection's key and the flooder's last three.
    expect(await countKeys(`${prefix}:idem:*`)).toBe(4);
    if (namespace === 'room') {
      const k19 = await publish(flooder, 'k19');
      expect(await publish(flooder, 'k19')).toEqual(k19);
      const k0 = (await publish(flooder, 'k0')) as { offset: number };
      expect(k0.offset).toBe(22);
    }
  });
});
