import { randomUUID } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RedisBroker } from '@relais/redis';
import { createRelais, type Broker, type BrokerEventHandler, type Relais } from '@relais/server';
import { Server, type Socket } from '@relais/socketio';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const clients: ClientSocket[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A TCP balancer that sends each new connection to the node `target` names (WebSockets included). */
async function switchableBalancer(ports: number[]): Promise<{ url: string; target: { index: number } }> {
  const target = { index: 0 };
  const open = new Set<TcpSocket>();
  const balancer: TcpServer = createServer((downstream) => {
    const upstream = tcpConnect(ports[target.index]!, '127.0.0.1');
    for (const socket of [downstream, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {});
    }
    downstream.pipe(upstream).pipe(downstream);
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => balancer.close(() => resolve())));
  cleanups.push(() => open.forEach((socket) => socket.destroy()));
  return { url: `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`, target };
}

interface RecoveryNode {
  relais: Relais;
  io: Server;
  /** Server-side sockets in the order they connected (a recovered one again). */
  connections: Socket[];
}

/** Two nodes on one Redis, rooms' namespace `sio` with history, Socket.IO with connection state recovery. */
async function twoNodes(
  wrap: (broker: Broker, name: string) => Broker = (broker) => broker,
): Promise<{ nodes: [RecoveryNode, RecoveryNode]; url: string; target: { index: number } }> {
  const prefix = `sio-recovery-test-${randomUUID()}`;
  const nodes = await Promise.all(
    ['a', 'b'].map(async (name): Promise<RecoveryNode & { port: number }> => {
      const relais = createRelais({
        nodeId: `${name}-${randomUUID()}`,
        engine: { broker: wrap(new RedisBroker({ urls: [REDIS_URL], prefix }), name) },
        namespaces: { sio: { historySize: 1000, historyTtlMs: 60_000 } },
      });
      cleanups.push(() => relais.close());
      const { port } = await relais.listen({ port: 0 });
      const io = new Server(relais, { connectionStateRecovery: {} });
      cleanups.push(() => io.close());
      const connections: Socket[] = [];
      io.on('connection', (socket) => {
        connections.push(socket);
        socket.data.node ??= name;
        socket.on('join', async (room: string, ack: () => void) => {
          await socket.join(room);
          ack();
        });
      });
      return { relais, io, connections, port };
    }),
  );
  await until(() => nodes.every(({ relais }) => relais.cluster.nodes().length === 2));
  const { url, target } = await switchableBalancer(nodes.map(({ port }) => port));
  return { nodes: [nodes[0]!, nodes[1]!], url, target };
}

/** A broker whose publications reach its node `delay.ms` late (0: at once); `delivered` counts them. */
function delayedDelivery(broker: Broker, delay: { ms: number; delivered: number }): Broker {
  return new Proxy(broker, {
    get(target, key) {
      if (key === 'start')
        return (handler: BrokerEventHandler) =>
          target.start(
            new Proxy(handler, {
              get(inner, name) {
                const value = Reflect.get(inner, name) as unknown;
                if (name !== 'handlePublication') return typeof value === 'function' ? value.bind(inner) : value;
                return (pub: Parameters<BrokerEventHandler['handlePublication']>[0]) => {
                  const deliver = () => {
                    delay.delivered++;
                    inner.handlePublication(pub);
                  };
                  if (delay.ms === 0) deliver();
                  else setTimeout(deliver, delay.ms);
                };
              },
            }),
          );
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('connection state recovery across two nodes on Redis', () => {
  it('a client cut from node a comes back on node b with its socket and every missed event exactly once', async () => {
    const { nodes, url, target } = await twoNodes();
    const [a, b] = nodes;
    const client = connect(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    await nextEvent(client, 'connect');
    await client.emitWithAck('join', 'room');
    const got: unknown[] = [];
    client.on('n', (value: unknown) => got.push(value));
    const first = nextEvent(client, 'n');
    a.io.to('room').emit('n', 1);
    await first;
    const onA = a.connections[0]!;
    const cut = nextEvent(onA, 'disconnect');
    target.index = 1;
    client.io.engine.close();
    expect((await cut)[0]).toBe('transport close');
    // While the client is away: room events from both nodes, a namespace broadcast, direct events.
    a.io.to('room').emit('n', 2);
    b.io.to('room').emit('n', 3);
    b.io.emit('n', 4);
    onA.emit('n', 5);
    b.io.to(onA.id).emit('n', 6);
    const back = nextEvent(client, 'connect');
    client.connect();
    await back;
    expect(client.recovered).toBe(true);
    expect(client.id).toBe(onA.id);
    const onB = b.connections[0]!;
    expect(onB.id).toBe(onA.id);
    expect(onB.recovered).toBe(true);
    expect(onB.data).toEqual({ node: 'a' });
    expect(onB.rooms).toEqual(new Set([onA.id, 'room']));
    expect(onA.suspended).toBe(false);
    // Live again, on node b: a room event from node a reaches it through the room's channel.
    const marker = nextEvent(client, 'marker');
    a.io.to('room').emit('n', 7);
    await until(() => got.includes(7));
    onB.emit('marker');
    await marker;
    expect([...got].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('delivers each of a stream of room events exactly once while the client moves from node a to node b', async () => {
    const { nodes, url, target } = await twoNodes();
    const [a, b] = nodes;
    const client = connect(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    await nextEvent(client, 'connect');
    await client.emitWithAck('join', 'room');
    const got: number[] = [];
    client.on('n', (value: number) => got.push(value));
    // A publisher on node a that never stops for long: some of its events land during the hand-over itself.
    let sent = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        a.io.to('room').emit('n', ++sent);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    await until(() => got.length >= 5);
    const cut = nextEvent(a.connections[0]!, 'disconnect');
    target.index = 1;
    client.io.engine.close();
    await cut;
    const back = nextEvent(client, 'connect');
    client.connect();
    await back;
    expect(client.recovered).toBe(true);
    const resumedAt = sent;
    await until(() => got.includes(resumedAt + 20));
    publishing = false;
    await publisher;
    await until(() => got.length >= sent);
    const marker = nextEvent(client, 'marker');
    b.connections[0]!.emit('marker');
    await marker;
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
  });

  it('starts a new session when the node named by the pid no longer holds the socket', async () => {
    const { nodes, url, target } = await twoNodes();
    const [a] = nodes;
    const client = connect(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    await nextEvent(client, 'connect');
    const firstId = client.id;
    const cut = nextEvent(a.connections[0]!, 'disconnect');
    target.index = 1;
    client.io.engine.close();
    await cut;
    a.connections[0]!.forget();
    const back = nextEvent(client, 'connect');
    client.connect();
    await back;
    expect(client.recovered).toBe(false);
    expect(client.id).not.toBe(firstId);
  });

  it('gets from the room history an event that node a read only after it handed the socket over', async () => {
    const delay = { ms: 0, delivered: 0 };
    const { nodes, url, target } = await twoNodes((broker, name) => (name === 'a' ? delayedDelivery(broker, delay) : broker));
    const [a, b] = nodes;
    const client = connect(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    await nextEvent(client, 'connect');
    await client.emitWithAck('join', 'room');
    const got: unknown[] = [];
    client.on('n', (value: unknown) => got.push(value));
    const first = nextEvent(client, 'n');
    b.io.to('room').emit('n', 1);
    await first;
    const cut = nextEvent(a.connections[0]!, 'disconnect');
    target.index = 1;
    client.io.engine.close();
    await cut;
    // Node a reads publications 2 s late from now on: it hands the socket over before it reads 2.
    delay.ms = 2000;
    const deliveredBefore = delay.delivered;
    b.io.to('room').emit('n', 2);
    await until(() => got.length === 1);
    const back = nextEvent(client, 'connect');
    client.connect();
    await back;
    expect(client.recovered).toBe(true);
    await until(() => got.includes(2));
    await until(() => delay.delivered > deliveredBefore);
    const marker = nextEvent(client, 'marker');
    b.connections[0]!.emit('marker');
    await marker;
    expect(got).toEqual([1, 2]);
  });
});
