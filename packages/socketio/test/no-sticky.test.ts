import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect as tcpConnect, type AddressInfo, type Socket as TcpSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { RedisBroker } from '@relais/redis';
import { createRelais, MemoryBroker, MemoryBus, type Broker, type Relais } from '@relais/server';
import { Server } from '@relais/socketio';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

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

/**
 * A balancer that sends each HTTP request to the next node in turn: no stickiness at all. A
 * WebSocket upgrade goes to the node `upgradeTo` picks (by default the next in turn too).
 */
async function roundRobin(
  ports: number[],
  upgradeTo?: (req: IncomingMessage) => number,
): Promise<{ url: string; hits: number[]; upgrades: number[] }> {
  const hits = ports.map(() => 0);
  const upgrades = ports.map(() => 0);
  let next = 0;
  const balancer: HttpServer = createServer((req, res) => {
    const index = next++ % ports.length;
    hits[index]!++;
    const upstream = request(
      { host: '127.0.0.1', port: ports[index], path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const tunnels = new Set<TcpSocket | Duplex>();
  balancer.on('upgrade', (req: IncomingMessage, downstream: Duplex, head: Buffer) => {
    const index = upgradeTo ? upgradeTo(req) : next++ % ports.length;
    upgrades[index]!++;
    const upstream = tcpConnect(ports[index]!, '127.0.0.1', () => {
      const headers = Object.entries(req.headers).map(([name, value]) => `${name}: ${String(value)}\r\n`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('')}\r\n`);
      upstream.write(head);
      downstream.pipe(upstream).pipe(downstream);
    });
    for (const socket of [upstream, downstream]) {
      tunnels.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => tunnels.delete(socket));
    }
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => balancer.close(() => resolve())));
  cleanups.push(() => balancer.closeAllConnections());
  cleanups.push(() => tunnels.forEach((socket) => socket.destroy()));
  return { url: `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`, hits, upgrades };
}

/** Two nodes of one engine, each with a Socket.IO server that echoes, joins rooms and broadcasts. */
async function twoNodes(brokers: () => Broker, upgradeTo?: (req: IncomingMessage, nodeIds: string[]) => number) {
  const nodes: Relais[] = [
    createRelais({ nodeId: `a-${randomUUID()}`, engine: { broker: brokers() } }),
    createRelais({ nodeId: `b-${randomUUID()}`, engine: { broker: brokers() } }),
  ];
  cleanups.push(() => Promise.all(nodes.map((relais) => relais.close())).then(() => undefined));
  const ports = await Promise.all(nodes.map(async (relais) => (await relais.listen({ port: 0 })).port));
  for (const relais of nodes) {
    const io = new Server(relais);
    cleanups.push(() => io.close());
    io.on('connection', (socket) => {
      socket.on('echo', (value: unknown, ack: (value: unknown) => void) => ack(value));
      socket.on('join', async (room: string, ack: () => void) => {
        await socket.join(room);
        ack();
      });
      socket.on('shout', (room: string, text: string) => io.to(room).emit('heard', text));
    });
  }
  // Both nodes know each other before the first request (heartbeats carry the node list).
  await until(() => nodes.every((relais) => relais.cluster.nodes().length === 2));
  const ids = nodes.map((relais) => relais.cluster.nodeId);
  return { ...(await roundRobin(ports, upgradeTo && ((req) => upgradeTo(req, ids)))), ports, ids };
}

/** The index of the node that does not hold the session named in the request's `sid`. */
function notTheOwner(req: IncomingMessage, nodeIds: string[]): number {
  const sid = new URL(req.url ?? '/', 'http://x').searchParams.get('sid') ?? '';
  const owner = Buffer.from(sid.slice(sid.lastIndexOf('.') + 1), 'base64url').toString();
  return nodeIds.findIndex((id) => id !== owner);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const engines: Array<[string, () => () => Broker]> = [
  [
    'memory',
    () => {
      const bus = new MemoryBus();
      return () => new MemoryBroker({ bus });
    },
  ],
  [
    'Redis',
    () => {
      const prefix = `sio-test-${randomUUID()}`;
      return () => new RedisBroker({ urls: [REDIS_URL], prefix });
    },
  ],
];

describe.each(engines)('polling without sticky sessions (%s engine)', (_name, makeEngine) => {
  it('keeps a polling session whose requests alternate between two nodes', async () => {
    const { url, hits } = await twoNodes(makeEngine());
    const socket = connect(url, { forceNew: true, reconnection: false, transports: ['polling'] });
    clients.push(socket);
    await nextEvent(socket, 'connect');
    for (let i = 0; i < 5; i++) expect(await socket.emitWithAck('echo', { i })).toEqual({ i });
    await socket.emitWithAck('join', 'room');
    const heard = nextEvent(socket, 'heard');
    socket.emit('shout', 'room', 'over here');
    expect(await heard).toEqual(['over here']);
    expect(socket.connected).toBe(true);
    expect(hits.every((count) => count > 3)).toBe(true);
  });

  it('upgrades to WebSocket when the upgrade lands on the node that does not hold the session', async () => {
    const { url, hits, upgrades } = await twoNodes(makeEngine(), notTheOwner);
    const socket = connect(url, { forceNew: true, reconnection: false });
    clients.push(socket);
    await nextEvent(socket, 'connect');
    if (socket.io.engine.transport.name !== 'websocket') await nextEvent(socket.io.engine, 'upgrade');
    expect(socket.io.engine.transport.name).toBe('websocket');
    expect(upgrades.reduce((a, b) => a + b)).toBe(1);
    const polls = hits.reduce((a, b) => a + b);
    for (let i = 0; i < 5; i++) expect(await socket.emitWithAck('echo', { i })).toEqual({ i });
    await socket.emitWithAck('join', 'room');
    const heard = nextEvent(socket, 'heard');
    socket.emit('shout', 'room', 'through the other node');
    expect(await heard).toEqual(['through the other node']);
    // Everything after the upgrade went over the WebSocket, none over polling.
    expect(hits.reduce((a, b) => a + b)).toBe(polls);
    expect(socket.connected).toBe(true);
  });

  it('closes a WebSocket upgrade for a session that the node its id names does not hold', async () => {
    const { ports, ids } = await twoNodes(makeEngine());
    const sid = `nosuchsession.${Buffer.from(ids[0]!).toString('base64url')}`;
    const ws = new WebSocket(`ws://127.0.0.1:${ports[1]}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString()));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('2probe');
    await new Promise((resolve) => ws.once('close', resolve));
    expect(frames).toEqual([]);
  });
});
