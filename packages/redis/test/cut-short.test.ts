/**
 * Commands cut short by the end of their connection, on the Redis engine: the broker
 * subscription (a round trip to Redis) and the presence entry widen the window in which a
 * connection can end mid-subscribe; whatever was reserved is still given back.
 */
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { createRelais, type Relais } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

let nodes: Relais[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

async function start(): Promise<{ relais: Relais; url: string }> {
  const prefix = uniquePrefix('cut');
  prefixes.push(prefix);
  const options = { urls: [REDIS_URL], prefix };
  const relais = createRelais({
    engine: { broker: new RedisBroker(options), presence: new RedisPresenceStore(options) },
    namespaces: { room: { presence: true, historySize: 10, historyTtlMs: 60_000 } },
  });
  nodes.push(relais);
  const { port } = await relais.listen({ port: 0 });
  return { relais, url: `ws://127.0.0.1:${port}${relais.options.path}` };
}

describe('a subscribe cut short on the Redis engine', () => {
  it('leaves no hold, broker subscription or presence entry behind after a storm of closes mid-subscribe', async () => {
    const { relais, url } = await start();
    const storm = Array.from({ length: 60 }, async (_, i) => {
      const client = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL });
      client.sendValues([
        { id: 1, method: 'connect' },
        { id: 2, method: 'subscribe', params: { channel: `room:${i % 4}` } },
      ]);
      // Half break the protocol right behind the subscribe, half drop the socket.
      if (i % 2 === 0) client.sendRaw('not json');
      else client.ws.terminate();
      await client.closed;
    });
    await Promise.all(storm);
    await expect.poll(() => relais.connections, { timeout: 5_000 }).toBe(0);
    await expect
      .poll(() => relais.stats().resources, { timeout: 5_000 })
      .toEqual({ holds: 0, brokerChannels: 0, presenceEntries: 0, tokenTimers: 0 });
    // The channels still deliver: a new subscriber gets what is published next.
    const client = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL });
    const { client: id } = await client.call<{ client: string }>('connect');
    await client.call('subscribe', { channel: 'room:0' });
    await relais.publish('room:0', 'after');
    expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'after' });
    // Presence lists the new subscriber only: none of the storm's entries was left in Redis.
    expect(Object.keys(await relais.presence('room:0'))).toEqual([id]);
    await client.close();
  });
});
