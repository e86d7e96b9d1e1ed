/**
 * Redis is killed and restarted while a publisher keeps publishing through one node and
 * clients on two nodes are subscribed. Publishes during the outage fail with the temporary
 * error 115; no acknowledged publication is lost without the subscriber being told (3010);
 * and the service resumes by itself.
 */
import { Client, ServerError, type Subscription, type WebSocketConstructor } from '@relais/client';
import { createRelais, type Relais } from '@relais/server';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './redis-helpers.js';

let redis: RedisServer;
const nodes: Relais[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(nodes.map((node) => node.close()));
  await redis.kill();
});

async function startNode(prefix: string): Promise<string> {
  const relais = createRelais({ engine: { broker: new RedisBroker({ urls: [redis.url], prefix, maxReconnectDelayMs: 100 }) } });
  nodes.push(relais);
  const { port } = await relais.listen({ port: 0 });
  return `ws://127.0.0.1:${port}/connection/websocket`;
}

function connect(url: string): Client {
  const client = new Client(url, {
    websocket: WebSocket as unknown as WebSocketConstructor,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
  });
  clients.push(client);
  client.connect();
  return client;
}

/** What one subscriber saw: publications, 3010 closes, and where each subscription began. */
interface Watch {
  sub: Subscription;
  received: number[];
  interruptions: number;
  /** For each time it became subscribed: the index the publisher was about to send. */
  startedAt: number[];
}

describe('RedisBroker with Redis restarted under load', () => {
  it('fails publishes with 115 during the outage, tells subscribers (3010), and resumes by itself', async () => {
    const prefix = uniquePrefix('restart');
    const [urlA, urlB] = [await startNode(prefix), await startNode(prefix)];
    let next = 0;
    const watches: Watch[] = [urlA, urlB].map((url) => {
      const client = connect(url);
      const watch: Watch = { sub: client.subscribe('load'), received: [], interruptions: 0, startedAt: [] };
      client.on('state', ({ code }) => {
        if (code === 3010) watch.interruptions++;
      });
      watch.sub.on('state', ({ state }) => {
        if (state === 'subscribed') watch.startedAt.push(next);
      });
      watch.sub.on('publication', ({ data }) => watch.received.push(data as number));
      return watch;
    });
    await waitFor(() => watches.every((watch) => watch.startedAt.length === 1), 10_000, 'both subscriptions');

    const publisher = connect(urlB);
    const acked: number[] = [];
    const failures: unknown[] = [];
    let paused = false;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        if (paused) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        const i = next++;
        try {
          await publisher.publish('load', i);
          acked.push(i);
        } catch (error) {
          failures.push(error);
          // Pace the retries while Redis is away.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();

    // Load flows; then every publication so far is known to be delivered.
    await waitFor(() => acked.length >= 30, 10_000, '30 acknowledged publishes');
    paused = true;
    const delivered = next;
    await waitFor(() => watches.every((watch) => watch.received.length === acked.length), 10_000, 'delivery before the outage');
    paused = false;

    await redis.kill();
    await waitFor(() => failures.length >= 10, 10_000, 'publishes failing during the outage');
    const outage = { from: delivered };
    await redis.restart();

    // Resumes by itself: subscribers are told (3010), reconnect, resubscribe; publishes succeed.
    await waitFor(() => watches.every((watch) => watch.interruptions >= 1 && watch.startedAt.length >= 2), 20_000, 'resubscription after 3010');
    const resumedFrom = Math.max(...watches.map((watch) => watch.startedAt.at(-1)!));
    await waitFor(() => acked.filter((i) => i >= resumedFrom).length >= 30, 20_000, 'publishes to succeed again');
    stop = true;
    await loop;
    await waitFor(() => watches.every((watch) => watch.received.at(-1) === acked.at(-1)), 10_000, 'the last publication everywhere');

    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ServerError);
      expect(failure).toMatchObject({ serverCode: 115, temporary: true });
    }
    for (const watch of watches) {
      // Once, in order.
      expect(watch.received).toEqual([...new Set(watch.received)].sort((a, b) => a - b));
      // Only acknowledged publications arrive (a failed publish was not accepted).
      const ackedSet = new Set(acked);
      expect(watch.received.filter((i) => !ackedSet.has(i))).toEqual([]);
      // Every acknowledged publication arrived, except some in the window between the outage
      // and the resubscription, which the subscriber was told about with 3010.
      const missing = acked.filter((i) => !watch.received.includes(i));
      const resubscribed = watch.startedAt.at(-1)!;
      expect(missing.every((i) => i >= outage.from && i < resubscribed)).toBe(true);
    }
  });
});
