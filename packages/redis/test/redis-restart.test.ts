/**
 * Redis is killed (SIGKILL) and restarted while a publisher keeps publishing through one node
 * and clients on two nodes are subscribed. Publishes during the outage fail with the temporary
 * error 115 (once the SDK's resends pass their timeout) and the service resumes by itself. On a channel with history (and a Redis that
 * keeps an append-only file), subscribers are closed with 3010, reconnect and recover: nothing
 * acknowledged is lost. Without history they are still told (3010) that they may have missed
 * publications.
 */
import { Client, ServerError, TimeoutError, type Subscription } from '@relais/client';
import { createRelais, type Relais } from '@relais/server';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { RedisServer, uniquePrefix, waitFor } from './redis-helpers.js';

let redis: RedisServer | undefined;
let nodes: Relais[] = [];
let clients: Client[] = [];

afterEach(async () => {
  for (const client of clients) client.close();
  await Promise.all(nodes.map((node) => node.close()));
  await redis?.remove();
  nodes = [];
  clients = [];
});

async function startNode(server: RedisServer, prefix: string): Promise<string> {
  const options = { urls: [server.url], prefix, maxReconnectDelayMs: 100 };
  const relais = createRelais({
    engine: { broker: new RedisBroker(options), presence: new RedisPresenceStore(options) },
    namespaces: { kept: { historySize: 10_000, historyTtlMs: 600_000 }, live: {} },
  });
  nodes.push(relais);
  const { port } = await relais.listen({ port: 0 });
  return `ws://127.0.0.1:${port}/connection/websocket`;
}

function connect(url: string, timeoutMs?: number): Client {
  const client = new Client(url, {
    websocket: WebSocket,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  clients.push(client);
  client.connect();
  return client;
}

/** What one subscriber saw: publications, 3010 closes, and each time it became subscribed. */
interface Watch {
  sub: Subscription;
  received: number[];
  interruptions: number;
  /** For each 'subscribed': the index the publisher was about to send, and `recovered`. */
  subscribed: { at: number; recovered: boolean | undefined }[];
}

async function outage(channel: string, server: RedisServer) {
  const prefix = uniquePrefix('restart');
  const [urlA, urlB] = [await startNode(server, prefix), await startNode(server, prefix)];
  let next = 0;
  const watches: Watch[] = [urlA, urlB].map((url) => {
    const client = connect(url);
    const watch: Watch = { sub: client.subscribe(channel), received: [], interruptions: 0, subscribed: [] };
    client.on('state', ({ code }) => {
      if (code === 3010) watch.interruptions++;
    });
    watch.sub.on('state', ({ state, recovered }) => {
      if (state === 'subscribed') watch.subscribed.push({ at: next, recovered });
    });
    watch.sub.on('publication', ({ data }) => watch.received.push(data as number));
    return watch;
  });
  await waitFor(() => watches.every((watch) => watch.subscribed.length === 1), 10_000, 'both subscriptions');

  // A short timeout: the SDK resends a publish refused with 115 until its timeout, and these
  // publishes are meant to fail while Redis is away.
  const publisher = connect(urlB, 300);
  const acked: number[] = [];
  const failures: unknown[] = [];
  const failed = new Set<number>();
  let paused = false;
  // Set by the loop once it has seen `paused` with no publish in flight.
  let idle = false;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      if (paused) {
        idle = true;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const i = next++;
      try {
        await publisher.publish(channel, i);
        acked.push(i);
      } catch (error) {
        failures.push(error);
        failed.add(i);
        // Pace the retries while Redis is away.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  })();

  // Load flows; then every publication so far is known to be delivered.
  await waitFor(() => acked.length >= 30, 10_000, '30 acknowledged publishes');
  // The publish in flight when pausing must be settled too: else it may fail when Redis dies, be
  // resent once it is back, and be missed legitimately while the subscribers were being told.
  paused = true;
  await waitFor(() => idle, 10_000, 'the publisher to pause');
  const outageFrom = next;
  await waitFor(() => watches.every((watch) => watch.received.length === acked.length), 10_000, 'delivery before the outage');
  paused = false;
  idle = false;

  await server.kill();
  await waitFor(() => failures.length >= 10, 10_000, 'publishes failing during the outage');
  await server.restart();

  // Resumes by itself: subscribers are told (3010), reconnect, resubscribe; publishes succeed.
  await waitFor(
    () => watches.every((watch) => watch.interruptions >= 1 && watch.subscribed.length >= 2),
    20_000,
    'resubscription after 3010',
  );
  const resumedFrom = Math.max(...watches.map((watch) => watch.subscribed.at(-1)!.at));
  await waitFor(() => acked.filter((i) => i >= resumedFrom).length >= 30, 20_000, 'publishes to succeed again');
  stop = true;
  await loop;
  await waitFor(() => watches.every((watch) => watch.received.at(-1) === acked.at(-1)), 10_000, 'the last publication everywhere');

  // Every failure is reported: the node's 115 once the SDK's resends would pass the timeout, or
  // a TimeoutError when the reply to the last resend came too late. Never anything else.
  for (const failure of failures) {
    if (failure instanceof TimeoutError) continue;
    expect(failure).toBeInstanceOf(ServerError);
    expect(failure).toMatchObject({ serverCode: 115, temporary: true });
  }
  expect(failures.some((failure) => failure instanceof ServerError)).toBe(true);
  const ackedSet = new Set(acked);
  for (const watch of watches) {
    // Once each, in order. Besides acknowledged publications, only one whose publish failed
    // may arrive: a publish in flight when Redis died may have run (its reply was lost).
    expect(watch.received).toEqual([...new Set(watch.received)].sort((a, b) => a - b));
    expect(watch.received.filter((i) => !ackedSet.has(i) && !failed.has(i))).toEqual([]);
  }
  return { watches, acked: (watch: Watch) => watch.received.filter((i) => ackedSet.has(i)), all: acked, outageFrom };
}

describe('Redis restarted under load', () => {
  it('with history: every acknowledged publication reaches every subscriber, recovered after 3010', async () => {
    redis = await RedisServer.start({ appendOnly: true });
    const { watches, acked, all } = await outage('kept:load', redis);
    for (const watch of watches) {
      expect(acked(watch)).toEqual(all);
      expect(watch.subscribed.slice(1).map((s) => s.recovered)).toEqual(watch.subscribed.slice(1).map(() => true));
    }
  });

  it('acknowledges a publish made during the outage once Redis is back, stored once (the SDK resends it on 115)', async () => {
    redis = await RedisServer.start({ appendOnly: true });
    const prefix = uniquePrefix('resend');
    const url = await startNode(redis, prefix);
    const watcher = connect(url);
    const sub = watcher.subscribe('kept:resend');
    const received: unknown[] = [];
    sub.on('publication', ({ data }) => received.push(data));
    await waitFor(() => sub.state === 'subscribed', 10_000, 'the subscription');
    const publisher = connect(url, 20_000);
    await publisher.ready();
    await publisher.publish('kept:resend', 'before');
    await redis.kill();
    const during = publisher.publish('kept:resend', 'during');
    let settled = false;
    void during.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Refused with 115 and resent: the node answered 115 at least twice, and the call is still
    // pending while Redis is down.
    const node = nodes[0]!;
    await waitFor(() => (node.stats().errors['115'] ?? 0) >= 2, 10_000, 'a publish refused with 115 and resent');
    expect(settled).toBe(false);
    await redis.restart();
    const result = await during;
    expect(result).toMatchObject({ offset: expect.any(Number) });
    await waitFor(() => received.includes('during'), 20_000, 'the publish made during the outage');
    const history = await sub.history({ limit: 10 });
    expect(history.publications.filter((pub) => pub.data === 'during')).toHaveLength(1);
    expect(received.filter((data) => data === 'during')).toHaveLength(1);
  });

  it('without history: subscribers miss publications only after being told with 3010', async () => {
    redis = await RedisServer.start();
    const { watches, all, outageFrom } = await outage('live:load', redis);
    for (const watch of watches) {
      const missing = all.filter((i) => !watch.received.includes(i));
      const resubscribed = watch.subscribed.at(-1)!.at;
      expect(
        missing.every((i) => i >= outageFrom && i < resubscribed),
        JSON.stringify({ missing, outageFrom, subscribed: watch.subscribed, interruptions: watch.interruptions, received: watch.received }),
      ).toBe(true);
    }
  });
});
