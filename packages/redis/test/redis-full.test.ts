/**
 * A full Redis (`maxmemory` reached under `noeviction`) refuses the history script with OOM: the
 * node answers 115 (temporary), the SDK resends, and the publish goes through once Redis has
 * room again. Publications without history or idempotency key still flow meanwhile.
 */
import { Client, ServerError } from '@relais/client';
import { createRelais, type Relais } from '@relais/server';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './redis-helpers.js';

let redis: RedisServer | undefined;
let admin: Redis | undefined;
let node: Relais | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await node?.close();
  admin?.disconnect();
  await redis?.remove();
  [redis, admin, node] = [undefined, undefined, undefined];
});

async function fullRedisNode(): Promise<{ url: string; admin: Redis }> {
  redis = await RedisServer.start();
  admin = new Redis(redis.url);
  node = createRelais({
    engine: { broker: new RedisBroker({ urls: [redis.url], prefix: uniquePrefix('full') }) },
    namespaces: { kept: { historySize: 100, historyTtlMs: 60_000 }, live: {} },
  });
  const { port } = await node.listen({ port: 0, host: '127.0.0.1' });
  return { url: `ws://127.0.0.1:${port}/connection/websocket`, admin };
}

function connect(url: string, timeoutMs: number): Client {
  const client = new Client(url, { websocket: WebSocket, timeoutMs });
  clients.push(client);
  client.connect();
  return client;
}

describe('Redis full (maxmemory reached)', () => {
  it('refuses a publish to history with the temporary 115, and plain live publications still flow', async () => {
    const { url, admin } = await fullRedisNode();
    const publisher = connect(url, 300);
    await publisher.ready();
    await admin.config('SET', 'maxmemory', '1');
    const error = await publisher.publish('kept:a', 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ serverCode: 115, temporary: true });
    expect(node!.stats().errors['115']).toBeGreaterThanOrEqual(1);
    expect(node!.stats().errors['100']).toBeUndefined();
    // A plain PUBLISH (no history, no idempotency key: a server-side publish) still goes through.
    await expect(node!.publish('live:a', 'y')).resolves.toBeDefined();
    // Nothing of the refused publish was written.
    expect(await admin.dbsize()).toBe(0);
  });

  it('acknowledges a publish made while Redis is full once it has room again, stored once', async () => {
    const { url, admin } = await fullRedisNode();
    const publisher = connect(url, 20_000);
    await publisher.ready();
    await admin.config('SET', 'maxmemory', '1');
    const during = publisher.publish('kept:b', 'during');
    // The node refused it at least twice (the SDK resends on 115) while Redis stayed full.
    await waitFor(() => (node!.stats().errors['115'] ?? 0) >= 2, 10_000, 'a publish refused with 115 and resent');
    await admin.config('SET', 'maxmemory', '0');
    await expect(during).resolves.toMatchObject({ offset: 1 });
    const reader = connect(url, 5_000);
    const sub = reader.subscribe('kept:b');
    await waitFor(() => sub.state === 'subscribed', 10_000, 'the subscription');
    const history = await sub.history({ limit: 10 });
    expect(history.publications.map((pub) => pub.data)).toEqual(['during']);
  });
});
