/**
 * Three `relais serve --engine redis` processes on one Redis: clients spread over them publish
 * and receive as if they were on one node.
 */
import { Client, type Subscription } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import WebSocket from 'ws';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeys, uniquePrefix, waitFor } from '../../redis/test/redis-helpers.js';
import { NodeProcess, bundleCli, type CliBundle } from './node-processes.js';

const prefix = uniquePrefix('cluster');
let bundle: CliBundle;
let nodes: NodeProcess[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  bundle = await bundleCli();
  const config = join(bundle.dir, 'relais.json');
  await writeFile(config, JSON.stringify({ namespaces: { room: { presence: true } } }));
  nodes = await Promise.all(
    [0, 1, 2].map(() =>
      NodeProcess.start(bundle.cli, ['--config', config, '--engine', 'redis', '--redis-url', REDIS_URL], { RELAIS_REDIS_PREFIX: prefix }),
    ),
  );
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(nodes.map((node) => node.stop()));
  await bundle?.remove();
  await deleteKeys(REDIS_URL, prefix);
});

function connect(node: NodeProcess): Client {
  const client = new Client(node.url, { websocket: WebSocket, encoding: msgpack });
  clients.push(client);
  client.connect();
  return client;
}

function subscribed(sub: Subscription): Promise<void> {
  if (sub.state === 'subscribed') return Promise.resolve();
  return new Promise((resolve) => {
    const off = sub.on('state', ({ state }) => {
      if (state === 'subscribed') {
        off();
        resolve();
      }
    });
  });
}

describe('three relais processes on one Redis', () => {
  it('started with the redis engine', () => {
    for (const node of nodes) expect(node.logs.find((entry) => entry.engine)).toMatchObject({ engine: 'redis' });
  });

  it('deliver every publication once, in order per channel, to subscribers on every node', async () => {
    const channels = ['room:a', 'room:b', 'room:c'];
    // Two subscribers per node, each on every channel.
    const subscribers = nodes.flatMap((node) => [connect(node), connect(node)]);
    const received = subscribers.map(() => new Map<string, unknown[]>(channels.map((channel) => [channel, []])));
    const subs = subscribers.flatMap((client, i) =>
      channels.map((channel) => {
        const sub = client.subscribe(channel);
        sub.on('publication', ({ data }) => received[i]!.get(channel)!.push(data));
        return sub;
      }),
    );
    await Promise.all(subs.map(subscribed));

    // One publisher per node; each publishes its sequence to its own channel, awaiting each
    // publish, and all three also publish concurrently to room:c.
    const publishers = nodes.map((node) => connect(node));
    const count = 60;
    await Promise.all(
      publishers.map(async (publisher, p) => {
        for (let i = 0; i < count; i++) {
          await publisher.publish(channels[p]!, { p, i });
          if (p !== 2) await publisher.publish('room:c', { p, i });
        }
      }),
    );
    const expected = (p: number) => Array.from({ length: count }, (_, i) => ({ p, i }));
    await waitFor(
      () => received.every((byChannel) => [count, count, 3 * count].every((n, c) => byChannel.get(channels[c]!)!.length >= n)),
      20_000,
      'every publication on every subscriber',
    );
    for (const byChannel of received) {
      expect(byChannel.get('room:a')).toEqual(expected(0));
      expect(byChannel.get('room:b')).toEqual(expected(1));
    }
    // room:c got publications from three nodes at once: Redis orders them, and every
    // subscriber, whatever its node, sees that same order.
    const reference = received[0]!.get('room:c')!;
    for (const p of [0, 1, 2]) expect(reference.filter((data) => (data as { p: number }).p === p)).toEqual(expected(p));
    for (const byChannel of received) expect(byChannel.get('room:c')).toEqual(reference);

    // Presence is the same from every node: the six subscribers, wherever they are.
    const ids = subscribers.map((client) => client.connectResult!.client).sort();
    const seen = await Promise.all(
      subs.filter((sub) => sub.channel === 'room:a').map(async (sub) => Object.keys(await sub.presence()).sort()),
    );
    for (const list of seen) expect(list).toEqual(ids);
    const stats = await subs[0]!.presenceStats();
    expect(stats).toEqual({ clients: 6, users: 1 });
  });
});
