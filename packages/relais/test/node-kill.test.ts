/**
 * SIGKILL one of three `relais serve --engine redis` processes while its clients are
 * subscribed and publishers keep going: its clients reconnect through the load balancer to the
 * other nodes and recover every publication, with no loss and no duplicate; the dead node's
 * presence entries expire.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type Subscription } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeys, uniquePrefix, waitFor } from '../../redis/test/redis-helpers.js';
import { LoadBalancer } from './load-balancer.js';
import { NodeProcess, bundleCli, type CliBundle } from './node-processes.js';

const PRESENCE_TTL_MS = 1_500;
const prefix = uniquePrefix('kill');
let bundle: CliBundle;
let nodes: NodeProcess[] = [];
let balancer: LoadBalancer;
const clients: Client[] = [];

beforeAll(async () => {
  bundle = await bundleCli();
  const config = join(bundle.dir, 'relais.json');
  await writeFile(
    config,
    JSON.stringify({
      engine: { type: 'redis', urls: [REDIS_URL], prefix },
      presenceTtlMs: PRESENCE_TTL_MS,
      namespaces: { chat: { historySize: 10_000, historyTtlMs: 600_000, presence: true } },
    }),
  );
  nodes = await Promise.all([0, 1, 2].map(() => NodeProcess.start(bundle.cli, ['--config', config])));
  balancer = new LoadBalancer(nodes.map((node) => node.port));
  await balancer.listen();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await balancer?.close();
  await Promise.all(nodes.map((node) => node.stop()));
  await bundle?.remove();
  await deleteKeys(REDIS_URL, prefix);
});

function connect(url: string): Client {
  const client = new Client(url, {
    websocket: WebSocket,
    encoding: msgpack,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
  });
  clients.push(client);
  client.connect();
  return client;
}

interface Watch {
  client: Client;
  sub: Subscription;
  received: { p: number; i: number }[];
  recovered: (boolean | undefined)[];
}

describe('a relais node killed under load', () => {
  it('loses nothing: its clients move to the other nodes and recover every publication', async () => {
    // The balancer assigns connections in turn: subscriber k lands on node k % 3.
    const watches: Watch[] = [];
    for (let k = 0; k < 6; k++) {
      const client = connect(balancer.url);
      await client.ready();
      const sub = client.subscribe('chat:room');
      const watch: Watch = { client, sub, received: [], recovered: [] };
      sub.on('publication', ({ data }) => watch.received.push(data as { p: number; i: number }));
      sub.on('state', ({ state, recovered }) => {
        if (state === 'subscribed') watch.recovered.push(recovered);
      });
      watches.push(watch);
      await waitFor(() => watch.recovered.length === 1, 10_000, `subscriber ${k}`);
    }
    const doomed = watches.filter((_, k) => k % 3 === 0);
    const doomedIds = doomed.map((watch) => watch.client.connectResult!.client);
    const observer = connect(nodes[1]!.url).subscribe('chat:room');
    await waitFor(() => observer.state === 'subscribed', 10_000, 'the observer');
    await waitFor(async () => Object.keys(await observer.presence()).length === 7, 10_000, 'presence of every subscriber');

    // Two publishers on the nodes that survive, publishing one after the other.
    const acked: number[][] = [[], []];
    let stop = false;
    const publishers = [nodes[1]!, nodes[2]!].map(async (node, p) => {
      const publisher = connect(node.url);
      for (let i = 0; !stop; i++) {
        await publisher.publish('chat:room', { p, i });
        acked[p]!.push(i);
      }
    });

    await waitFor(() => acked.every((list) => list.length >= 30), 20_000, 'load before the kill');
    await nodes[0]!.stop('SIGKILL');
    balancer.ports.splice(0, 1);
    // The moved clients resubscribe elsewhere and recover.
    await waitFor(() => doomed.every((watch) => watch.recovered.length >= 2), 20_000, 'the moved clients to resubscribe');
    const after = acked.map((list) => list.length);
    await waitFor(() => acked.every((list, p) => list.length >= after[p]! + 30), 20_000, 'load after the kill');
    stop = true;
    await Promise.all(publishers);
    await waitFor(
      () => watches.every((watch) => [0, 1].every((p) => watch.received.filter((d) => d.p === p).length >= acked[p]!.length)),
      20_000,
      'every publication on every subscriber',
    );

    for (const watch of watches) {
      for (const p of [0, 1]) {
        // Every acknowledged publication exactly once, in order: no loss, no duplicate.
        expect(watch.received.filter((d) => d.p === p).map((d) => d.i)).toEqual(acked[p]);
      }
    }
    for (const watch of doomed) expect(watch.recovered.slice(1)).toEqual(watch.recovered.slice(1).map(() => true));

    // The dead node never removed its clients' presence entries: they expire.
    await waitFor(
      async () => {
        const present = Object.keys(await observer.presence());
        return doomedIds.every((id) => !present.includes(id)) && present.length === 7;
      },
      PRESENCE_TTL_MS * 10,
      'the dead node’s presence entries to expire',
    );
  });
});
