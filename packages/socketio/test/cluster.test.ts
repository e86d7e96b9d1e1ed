import { randomUUID } from 'node:crypto';
import { RedisBroker } from '@relais/redis';
import { createRelais, type Relais } from '@relais/server';
import { Server, type RemoteSocket, type Socket } from '@relais/socketio';
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

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

interface ClusterNode {
  relais: Relais;
  io: Server;
  url: string;
  /** Connects a socket.io-client to this node (WebSocket only) and resolves with both ends. */
  client(nsp?: string, auth?: Record<string, unknown>): Promise<{ client: ClientSocket; socket: Socket }>;
}

/** Two relais nodes on one Redis (a prefix of their own), each with a Socket.IO server. */
async function twoNodes(): Promise<[ClusterNode, ClusterNode]> {
  const prefix = `sio-cluster-test-${randomUUID()}`;
  const make = async (name: string): Promise<ClusterNode> => {
    const relais = createRelais({ nodeId: `${name}-${randomUUID()}`, engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }) } });
    cleanups.push(() => relais.close());
    const { port } = await relais.listen({ port: 0 });
    const io = new Server(relais);
    cleanups.push(() => io.close());
    io.use((socket, next) => {
      socket.data.name = socket.handshake.auth.name;
      next();
    });
    const url = `http://127.0.0.1:${port}`;
    const client = async (nsp = '/', auth: Record<string, unknown> = {}) => {
      const serverSide = new Promise<Socket>((resolve) => io.of(nsp).once('connection', resolve));
      const socket = connect(`${url}${nsp}`, { forceNew: true, reconnection: false, transports: ['websocket'], auth });
      clients.push(socket);
      await nextEvent(socket, 'connect');
      return { client: socket, socket: await serverSide };
    };
    return { relais, io, url, client };
  };
  const nodes = await Promise.all([make('a'), make('b')]);
  await until(() => nodes.every(({ relais }) => relais.cluster.nodes().length === 2));
  return nodes as [ClusterNode, ClusterNode];
}

const ids = (sockets: RemoteSocket[]) => sockets.map((socket) => socket.id).sort();

describe('the server API across two nodes on Redis', () => {
  it('fetchSockets lists the sockets of both nodes, with their data and rooms', async () => {
    const [a, b] = await twoNodes();
    const ada = await a.client('/', { name: 'ada' });
    const bob = await b.client('/', { name: 'bob' });
    await bob.socket.join('blue');
    const all = await a.io.fetchSockets();
    expect(ids(all)).toEqual([ada.socket.id, bob.socket.id].sort());
    const remote = all.find((socket) => socket.id === bob.socket.id)!;
    expect(remote.data).toEqual({ name: 'bob' });
    expect([...remote.rooms].sort()).toEqual([bob.socket.id, 'blue'].sort());
    expect(remote.handshake.auth).toEqual({ name: 'bob' });
    expect(all.find((socket) => socket.id === ada.socket.id)).toBe(ada.socket);
    expect(ids(await a.io.in('blue').fetchSockets())).toEqual([bob.socket.id]);
    expect(ids(await b.io.except('blue').fetchSockets())).toEqual([ada.socket.id]);
  });

  it('a fetched remote socket is reached by emit (with an ack), join, leave and disconnect', async () => {
    const [a, b] = await twoNodes();
    await a.client();
    const bob = await b.client();
    bob.client.on('ping?', (n: number, ack: (reply: number) => void) => ack(n + 1));
    const remote = (await a.io.fetchSockets()).find((socket) => socket.id === bob.socket.id)!;
    const hello = nextEvent(bob.client, 'hello');
    remote.emit('hello', 'from a');
    expect(await hello).toEqual(['from a']);
    expect(await remote.timeout(5000).emitWithAck('ping?', 41)).toBe(42);
    await remote.join('green');
    expect(b.io.sockets.adapter.rooms.get('green')).toEqual(new Set([bob.socket.id]));
    await remote.leave('green');
    expect(b.io.sockets.adapter.rooms.has('green')).toBe(false);
    const gone = nextEvent(bob.client, 'disconnect');
    remote.disconnect();
    expect((await gone)[0]).toBe('io server disconnect');
  });

  it('socketsJoin, socketsLeave and disconnectSockets act on the selected sockets of every node', async () => {
    const [a, b] = await twoNodes();
    const ada = await a.client();
    const bob = await b.client();
    const cy = await b.client();
    await bob.socket.join('red');
    await ada.socket.join('red');
    await a.io.in('red').socketsJoin('green');
    expect(ids(await a.io.in('green').fetchSockets())).toEqual([ada.socket.id, bob.socket.id].sort());
    // The join on node b made the channel subscription: a room broadcast from node a reaches bob.
    const heard = nextEvent(bob.client, 'news');
    a.io.to('green').emit('news', 'green news');
    expect(await heard).toEqual(['green news']);
    await a.io.in('red').socketsLeave('green');
    expect(await a.io.in('green').fetchSockets()).toEqual([]);
    const reasons = Promise.all([nextEvent(ada.client, 'disconnect'), nextEvent(bob.client, 'disconnect')]);
    await b.io.in('red').disconnectSockets();
    expect((await reasons).map(([reason]) => reason)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(cy.client.connected).toBe(true);
    expect(ids(await a.io.fetchSockets())).toEqual([cy.socket.id]);
  });

  it('disconnectSockets(true) closes the whole connections on the other node', async () => {
    const [a, b] = await twoNodes();
    const bob = await b.client();
    const gone = nextEvent(bob.client, 'disconnect');
    await a.io.disconnectSockets(true);
    expect(await gone).toEqual(['transport close', expect.anything()]);
  });

  it('gathers the acks of a broadcast from the sockets of both nodes', async () => {
    const [a, b] = await twoNodes();
    const sockets = [await a.client(), await b.client(), await b.client()];
    for (const { client } of sockets) client.on('vote', (choice: string, ack: (reply: string) => void) => ack(`${client.id}:${choice}`));
    const responses = (await a.io.timeout(5000).emitWithAck('vote', 'yes')) as string[];
    expect(responses.sort()).toEqual(sockets.map(({ client }) => `${client.id}:yes`).sort());
    await sockets[2]!.socket.join('room');
    const inRoom = await new Promise<[Error | null, unknown[]]>((resolve) =>
      a.io
        .to('room')
        .timeout(5000)
        .emit('vote', 'no', (error: Error | null, replies: unknown[]) => resolve([error, replies])),
    );
    expect(inRoom).toEqual([null, [`${sockets[2]!.client.id}:no`]]);
  });

  it('answers a broadcast ack with the timeout error and the acks that came when a socket on the other node is silent', async () => {
    const [a, b] = await twoNodes();
    const talker = await a.client();
    const silent = await b.client();
    talker.client.on('vote', (ack: (reply: string) => void) => ack('here'));
    silent.client.on('vote', () => {});
    const [error, responses] = await new Promise<[Error | null, unknown[]]>((resolve) =>
      a.io.timeout(100).emit('vote', (err: Error | null, replies: unknown[]) => resolve([err, replies])),
    );
    expect(error?.message).toBe('operation has timed out');
    expect(responses).toEqual(['here']);
  });

  it('serverSideEmit calls the listeners of the other node, not its own, with and without an ack', async () => {
    const [a, b] = await twoNodes();
    const onA: unknown[][] = [];
    a.io.on('hello', (...args: unknown[]) => onA.push(args));
    const heard = nextEvent(b.io, 'hello');
    a.io.serverSideEmit('hello', 'world', { n: 1 });
    expect(await heard).toEqual(['world', { n: 1 }]);
    b.io.on('count', (n: number, ack: (reply: number) => void) => ack(n * 2));
    expect(await a.io.serverSideEmitWithAck('count', 21)).toEqual([42]);
    const viaCallback = await new Promise<unknown[]>((resolve) =>
      a.io.serverSideEmit('count', 5, (error: Error | null, replies: unknown[]) => resolve([error, replies])),
    );
    expect(viaCallback).toEqual([null, [10]]);
    expect(onA).toEqual([]);
    expect(() => a.io.serverSideEmit('disconnect')).toThrow('"disconnect" is a reserved event name');
  });

  it('acts on the sockets of another namespace on both nodes', async () => {
    const [a, b] = await twoNodes();
    const main = await b.client('/');
    const admin = await b.client('/admin');
    const adminA = await a.client('/admin');
    expect(ids(await a.io.of('/admin').fetchSockets())).toEqual([admin.socket.id, adminA.socket.id].sort());
    await a.io.of('/admin').socketsJoin('ops');
    const heard = nextEvent(admin.client, 'alert');
    let mainHeard = false;
    main.client.on('alert', () => (mainHeard = true));
    a.io.of('/admin').to('ops').emit('alert', 'disk full');
    expect(await heard).toEqual(['disk full']);
    b.io.of('/admin').on('sync', (ack: (reply: string) => void) => ack('admin b'));
    expect(await a.io.of('/admin').serverSideEmitWithAck('sync')).toEqual(['admin b']);
    // The main namespace's client got nothing of /admin's room; a marker on / proves its order.
    const marker = nextEvent(main.client, 'marker');
    a.io.to(main.socket.id).emit('marker');
    await marker;
    expect(mainHeard).toBe(false);
  });
});
