import { createRelais, MemoryBroker, MemoryBus, type Relais } from '@relais/server';
import { useTestNodes, type TestNode } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import { io as connect, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from './server.js';
import type { Socket } from './socket.js';

const start = useTestNodes();
const clients: ClientSocket[] = [];
const servers: Server[] = [];
const extraNodes: Relais[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const io of servers.splice(0)) await io.close();
  await Promise.all(extraNodes.splice(0).map((relais) => relais.close()));
});

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

function client(base: string, options: Partial<ManagerOptions & SocketOptions> = {}): ClientSocket {
  const socket = connect(base, { forceNew: true, reconnection: false, ...options });
  clients.push(socket);
  return socket;
}

/** A node with a Socket.IO server whose clients join the room they name in `join` (acked once subscribed). */
async function serve(node: TestNode | { relais: Relais; base: string }) {
  const io = new Server(node.relais);
  servers.push(io);
  io.on('connection', (socket) => {
    socket.on('join', async (room: string, ack: () => void) => {
      await socket.join(room);
      ack();
    });
    socket.on('say', (room: string, ...args: unknown[]) => socket.to(room).emit('said', ...args));
  });
  return io;
}

describe('Socket.IO rooms as relais channels', () => {
  it('io.to(room).emit reaches native subscribers of sio:<room>, one argument as data, several as sio:args', async () => {
    const node = await start();
    const io = await serve(node);
    const native = await node.connect();
    await native.call('subscribe', { channel: 'sio:lobby' });
    io.to('lobby').emit('news', { headline: 'hi' });
    expect(await native.nextPush((push) => push.type === 'publication')).toMatchObject({
      type: 'publication',
      channel: 'sio:lobby',
      event: 'news',
      data: { headline: 'hi' },
    });
    io.to('lobby').emit('pair', 1, 'two');
    expect(await native.nextPush((push) => push.type === 'publication')).toMatchObject({ event: 'pair', data: { 'sio:args': [1, 'two'] } });
  });

  it('a native publish reaches the Socket.IO clients in the room, and only them', async () => {
    const node = await start();
    await serve(node);
    const inRoom = client(node.base);
    const outside = client(node.base);
    await Promise.all([nextEvent(inRoom, 'connect'), nextEvent(outside, 'connect')]);
    await inRoom.emitWithAck('join', 'lobby');
    await outside.emitWithAck('join', 'elsewhere');
    const seenOutside: unknown[] = [];
    outside.on('update', (...args: unknown[]) => seenOutside.push(args));
    const update = nextEvent(inRoom, 'update');
    await node.relais.publish('sio:lobby', { count: 3 }, { event: 'update' });
    expect(await update).toEqual([{ count: 3 }]);
    const native = await node.connect();
    const fromNative = nextEvent(inRoom, 'update');
    await native.call('publish', { channel: 'sio:lobby', data: { 'sio:args': ['a', 2] }, event: 'update' });
    expect(await fromNative).toEqual(['a', 2]);
    // A marker on the other room's channel comes after anything the outside client could have got.
    const marker = nextEvent(outside, 'update');
    await node.relais.publish('sio:elsewhere', 'marker', { event: 'update' });
    expect(await marker).toEqual(['marker']);
    expect(seenOutside).toEqual([['marker']]);
  });

  it('socket.to(room) leaves the sender out but reaches native subscribers', async () => {
    const node = await start();
    await serve(node);
    const [a, b] = [client(node.base), client(node.base)];
    await Promise.all([nextEvent(a, 'connect'), nextEvent(b, 'connect')]);
    await a.emitWithAck('join', 'chat');
    await b.emitWithAck('join', 'chat');
    const native = await node.connect();
    await native.call('subscribe', { channel: 'sio:chat' });
    const seenBySender: unknown[] = [];
    a.on('said', (...args: unknown[]) => seenBySender.push(args));
    const heard = nextEvent(b, 'said');
    a.emit('say', 'chat', 'hello');
    expect(await heard).toEqual(['hello']);
    expect(await native.nextPush((push) => push.type === 'publication')).toMatchObject({ event: 'said', data: 'hello' });
    const marker = nextEvent(a, 'said');
    b.emit('say', 'chat', 'back');
    expect(await marker).toEqual(['back']);
    expect(seenBySender).toEqual([['back']]);
  });

  it('maps rooms of other namespaces to sio<nsp>:<room>, and follows a custom roomChannel', async () => {
    const node = await start();
    const io = new Server(node.relais, { roomChannel: (nsp, room) => (room.startsWith('counter') ? `${room}` : undefined) });
    servers.push(io);
    io.of('/admin').on('connection', (socket) => void socket.join('counter:clicks'));
    const admin = client(`${node.base}/admin`);
    await nextEvent(admin, 'connect');
    const native = await node.connect();
    await native.call('subscribe', { channel: 'counter:clicks' });
    io.of('/admin').to('counter:clicks').emit('click', 7);
    expect(await native.nextPush((push) => push.type === 'publication')).toMatchObject({
      channel: 'counter:clicks',
      event: 'click',
      data: 7,
    });
  });

  it('carries room broadcasts and io.emit between two nodes of one engine', async () => {
    const bus = new MemoryBus();
    const nodes = [
      createRelais({ nodeId: 'a', engine: { broker: new MemoryBroker({ bus }) } }),
      createRelais({ nodeId: 'b', engine: { broker: new MemoryBroker({ bus }) } }),
    ];
    extraNodes.push(...nodes);
    const bases = await Promise.all(nodes.map(async (relais) => `http://127.0.0.1:${(await relais.listen({ port: 0 })).port}`));
    const [ioA, ioB] = await Promise.all(nodes.map((relais, i) => serve({ relais, base: bases[i]! })));
    const onA = client(bases[0]!);
    const onB = client(bases[1]!);
    await Promise.all([nextEvent(onA, 'connect'), nextEvent(onB, 'connect')]);
    await onB.emitWithAck('join', 'shared');
    const room = nextEvent(onB, 'news');
    ioA!.to('shared').emit('news', 'from a');
    expect(await room).toEqual(['from a']);
    const everyone = Promise.all([nextEvent(onA, 'all'), nextEvent(onB, 'all')]);
    ioB!.emit('all', Buffer.from([1, 2]));
    const got = await everyone;
    expect(got.map(([data]) => Buffer.from(data as ArrayBuffer))).toEqual([Buffer.from([1, 2]), Buffer.from([1, 2])]);
  });
});

describe('Socket.IO clients and the node', () => {
  const token = (sub: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

  it('authenticates with the node verifier: auth.token or the token query, else connect_error', async () => {
    const node = await start({ auth: { hmacSecret: SECRET } });
    const io = await serve(node);
    const users: string[] = [];
    node.relais.onConnecting(({ user }) => {
      users.push(user ?? '');
      return undefined;
    });
    const [refused] = (await nextEvent(client(node.base), 'connect_error')) as [Error & { data?: { code: number } }];
    expect(refused.message).toMatch(/token/i);
    expect(refused.data?.code).toEqual(expect.any(Number));
    await nextEvent(client(node.base, { auth: { token: await token('ada') } }), 'connect');
    await nextEvent(client(node.base, { query: { token: await token('bob') } }), 'connect');
    expect(users).toEqual(['ada', 'bob']);
    expect(io.sockets.sockets.size).toBe(2);
  });

  it('counts Socket.IO sockets as node connections and refuses them past maxConnections', async () => {
    const node = await start({ maxConnections: 1 });
    await serve(node);
    await nextEvent(client(node.base), 'connect');
    expect(node.relais.connections).toBe(1);
    const [error] = (await nextEvent(client(node.base), 'connect_error')) as [Error];
    expect(error.message).toMatch(/limit/);
  });

  it('closes the Socket.IO connection when the node disconnects its client', async () => {
    const node = await start();
    const io = await serve(node);
    const socket = client(node.base, { transports: ['websocket'] });
    await nextEvent(socket, 'connect');
    const server = [...io.sockets.sockets.values()][0]!;
    const gone = nextEvent(socket, 'disconnect');
    expect(node.relais.disconnect({ client: server.link!.client! })).toBe(1);
    expect((await gone)[0]).toBe('transport close');
  });

  it('applies the slow-consumer limit to a polling client that stops polling', async () => {
    const node = await start({ maxQueueBytes: 70_000 });
    const io = await serve(node);
    const url = (query = '') => `${node.base}/socket.io/?EIO=4&transport=polling${query}`;
    const sid = (JSON.parse((await (await fetch(url())).text()).slice(1)) as { sid: string }).sid;
    const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
    await fetch(url(`&sid=${sid}`), { method: 'POST', body: '40' });
    const socket = await connected;
    const reason = new Promise((resolve) => socket.on('disconnect', resolve));
    // Nobody polls: each publication to the socket's own room waits in its buffer, until the limit.
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 5; i++) await node.relais.publish(`sio:${socket.id}`, big, { event: 'big' });
    expect(await reason).toBe('forced close');
    // The session lingers for the client's next poll, which gets what was sent and the close packet.
    expect((await (await fetch(url(`&sid=${sid}`))).text()).endsWith('\x1e1')).toBe(true);
    expect(io.engine.size).toBe(0);
  });
});

describe('rooms whose channel the node does not allow', () => {
  it('stay off relais: broadcasts reach the room through the cluster', async () => {
    const node = await start({ namespaces: { chat: {} } });
    const io = await serve(node);
    const socket = client(node.base);
    await nextEvent(socket, 'connect');
    await socket.emitWithAck('join', 'lobby');
    const news = nextEvent(socket, 'news');
    io.to('lobby').emit('news', 'still here');
    expect(await news).toEqual(['still here']);
  });
});

describe('the node rate limits on Socket.IO events', () => {
  it('drops events over the per-connection rate, and closes a flood', async () => {
    const node = await start({ limits: { perConnection: { commands: { perSecond: 1, burst: 5 } }, floodFactor: 2 } });
    const io = new Server(node.relais);
    servers.push(io);
    let handled = 0;
    io.on('connection', (socket) => socket.on('spam', () => handled++));
    const socket = client(node.base, { transports: ['websocket'] });
    await nextEvent(socket, 'connect');
    const gone = nextEvent(socket, 'disconnect');
    for (let i = 0; i < 100; i++) socket.emit('spam');
    expect((await gone)[0]).toBe('transport close');
    expect(handled).toBeGreaterThan(0);
    expect(handled).toBeLessThan(10);
    expect(io.metrics.limitedEvents).toBeGreaterThan(0);
  });
});
