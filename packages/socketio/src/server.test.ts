import { once } from 'node:events';
import { useTestNodes } from '@relais/server/testkit';
import { io as connect, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerOptions } from './options.js';
import { Server } from './server.js';
import type { Socket } from './socket.js';

const start = useTestNodes();
const clients: ClientSocket[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const io of servers.splice(0)) await io.close();
});

async function serve(options: ServerOptions = {}) {
  const node = await start();
  const io = new Server(node.relais, options);
  servers.push(io);
  const client = (nsp = '/', clientOptions: Partial<ManagerOptions & SocketOptions> = {}) => {
    const socket = connect(`${node.base}${nsp}`, { forceNew: true, reconnection: false, ...clientOptions });
    clients.push(socket);
    return socket;
  };
  return { node, io, client };
}

/** The next server-side socket of `io`'s main namespace. */
const nextConnection = (io: Server) => new Promise<Socket>((resolve) => io.once('connection', resolve));

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

const TRANSPORTS: Array<[string, ClientOptions, 'polling' | 'websocket']> = [
  ['polling only', { transports: ['polling'] }, 'polling'],
  ['websocket only', { transports: ['websocket'] }, 'websocket'],
  ['polling then upgrade (the default)', {}, 'websocket'],
];

/** The arguments of the next `event` of any emitter with `once` (socket.io's are not Node EventEmitters). */
function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

describe('Server with socket.io-client', () => {
  describe.each(TRANSPORTS)('over %s', (_name, clientOptions, finalTransport) => {
    it('connects, exchanges events with acks both ways, and carries binary data', async () => {
      const { io, client } = await serve();
      io.on('connection', (socket) => {
        socket.on('hello', (name: string, ack: (reply: string) => void) => ack(`hi ${name}`));
        socket.on('bytes', (data: Buffer, ack: (reply: unknown) => void) => ack({ echoed: data, size: data.length }));
        socket.on('ask', async () => {
          const answer = await socket.emitWithAck('question', 'ready?');
          socket.emit('answered', answer);
        });
      });
      const socket = client('/', { ...clientOptions });
      await nextEvent(socket, 'connect');
      expect(await socket.emitWithAck('hello', 'ada')).toBe('hi ada');
      const reply = (await socket.emitWithAck('bytes', Buffer.from([1, 2, 3]))) as { echoed: Buffer; size: number };
      expect(reply.size).toBe(3);
      expect(Buffer.from(reply.echoed)).toEqual(Buffer.from([1, 2, 3]));
      socket.on('question', (text: string, ack: (reply: string) => void) => ack(`yes to ${text}`));
      const answered = nextEvent(socket, 'answered');
      socket.emit('ask');
      expect(await answered).toEqual(['yes to ready?']);
      if (finalTransport === 'websocket' && !('transports' in clientOptions)) {
        if (socket.io.engine.transport.name !== 'websocket') await nextEvent(socket.io.engine, 'upgrade');
      }
      expect(socket.io.engine.transport.name).toBe(finalTransport);
      expect(await socket.emitWithAck('hello', 'after')).toBe('hi after');
    });

    it('sends events with many arguments of every JSON kind', async () => {
      const { io, client } = await serve();
      io.on('connection', (socket) => socket.onAny((event: string, ...args: unknown[]) => socket.emit(`${event}-back`, ...args)));
      const socket = client('/', { ...clientOptions });
      const args = [1, 'two', { three: [true, null] }, [4.5], false];
      const back = nextEvent(socket, 'many-back');
      socket.emit('many', ...args);
      expect(await back).toEqual(args);
    });
  });

  it('reaches a custom namespace and refuses an unknown one with connect_error', async () => {
    const { io, client } = await serve();
    io.of('/admin').on('connection', (socket) => socket.emit('welcome', socket.nsp.name));
    const admin = client('/admin');
    expect(await nextEvent(admin, 'welcome')).toEqual(['/admin']);
    const unknown = client('/nope');
    const [error] = (await nextEvent(unknown, 'connect_error')) as [Error];
    expect(error.message).toBe('Invalid namespace');
  });

  it('creates dynamic namespaces that match a RegExp, sharing the parent listeners', async () => {
    const { io, client } = await serve();
    const parent = io.of(/^\/room-\d+$/);
    parent.on('connection', (socket) => socket.emit('in', socket.nsp.name));
    expect(await nextEvent(client('/room-42'), 'in')).toEqual(['/room-42']);
    const [error] = (await nextEvent(client('/room-x'), 'connect_error')) as [Error];
    expect(error.message).toBe('Invalid namespace');
  });

  it('runs io.use middlewares with the auth payload; next(error) gives connect_error with data', async () => {
    const { io, client } = await serve();
    io.use((socket, next) => {
      if (socket.handshake.auth.token !== 'secret') return next(Object.assign(new Error('not authorized'), { data: { code: 'NO_TOKEN' } }));
      socket.data.user = 'ada';
      next();
    });
    io.on('connection', (socket) => socket.emit('user', socket.data.user, socket.handshake.query.room));
    const refused = client('/', { auth: { token: 'wrong' } });
    const [error] = (await nextEvent(refused, 'connect_error')) as [Error & { data?: unknown }];
    expect(error.message).toBe('not authorized');
    expect(error.data).toEqual({ code: 'NO_TOKEN' });
    const admitted = client('/', { auth: { token: 'secret' }, query: { room: 'lobby' } });
    expect(await nextEvent(admitted, 'user')).toEqual(['ada', 'lobby']);
  });

  it('waits for async middlewares and refuses on a rejection', async () => {
    const { io, client } = await serve();
    io.use(async (_socket, next) => {
      await Promise.resolve();
      next(new Error('later'));
    });
    const [error] = (await nextEvent(client(), 'connect_error')) as [Error];
    expect(error.message).toBe('later');
  });

  describe('rooms and broadcasts', () => {
    async function threeInRooms() {
      const setup = await serve();
      const sockets: Socket[] = [];
      setup.io.on('connection', (socket) => {
        sockets.push(socket);
        socket.on('join', (room: string, ack: () => void) => {
          socket.join(room);
          ack();
        });
      });
      const [a, b, c] = [setup.client(), setup.client(), setup.client()];
      await Promise.all([a, b, c].map((socket) => nextEvent(socket, 'connect')));
      await a.emitWithAck('join', 'red');
      await b.emitWithAck('join', 'red');
      await c.emitWithAck('join', 'blue');
      return { ...setup, a, b, c, sockets };
    }

    /**
     * Collects `event` on each client until two markers arrived: one sent through the cluster
     * (io.emit) and one through each room's channel, the two paths a broadcast can take, so
     * that events absent by then are absent for good.
     */
    async function received(io: Server, clients: ClientSocket[], event: string, send: () => void): Promise<unknown[][]> {
      const got = clients.map(() => [] as unknown[]);
      clients.forEach((socket, i) => socket.on(event, (...args: unknown[]) => got[i]!.push(args)));
      const markers = clients.map(
        (socket) =>
          new Promise<void>((resolve) => {
            let count = 0;
            socket.on('marker', () => ++count === 2 && resolve());
          }),
      );
      send();
      io.emit('marker');
      io.to('red').emit('marker');
      io.to('blue').emit('marker');
      return Promise.all(markers).then(() => got);
    }

    it('io.to(room).emit reaches the room only; io.except leaves a room out', async () => {
      const { io, a, b, c } = await threeInRooms();
      const got = await received(io, [a, b, c], 'news', () => {
        io.to('red').emit('news', 'for red');
        io.except('red').emit('news', 'not for red');
      });
      expect(got).toEqual([[['for red']], [['for red']], [['not for red']]]);
    });

    it('socket.to(room) and socket.broadcast leave the sender out', async () => {
      const { io, a, b, c, sockets } = await threeInRooms();
      const sender = sockets.find((socket) => socket.rooms.has('red'))!;
      const got = await received(io, [a, b, c], 'typing', () => {
        sender.to('red').emit('typing', 'room');
        sender.broadcast.emit('typing', 'all');
      });
      const bySocket = new Map([a, b, c].map((socket, i) => [socket.id, got[i]]));
      const other = sockets.find((socket) => socket !== sender && socket.rooms.has('red'))!;
      const blue = sockets.find((socket) => socket.rooms.has('blue'))!;
      expect(bySocket.get(sender.id)).toEqual([]);
      // The room event travels on the room's channel, the broadcast through the cluster: in either order.
      expect(bySocket.get(other.id)).toEqual(expect.arrayContaining([['room'], ['all']]));
      expect(bySocket.get(other.id)).toHaveLength(2);
      expect(bySocket.get(blue.id)).toEqual([['all']]);
    });

    it('fetchSockets, socketsJoin, socketsLeave and disconnectSockets act on the selection', async () => {
      const { io, a, b, c } = await threeInRooms();
      expect((await io.in('red').fetchSockets()).map((socket) => socket.rooms.has('red'))).toEqual([true, true]);
      io.in('blue').socketsJoin('green');
      expect((await io.in('green').fetchSockets()).length).toBe(1);
      io.in('green').socketsLeave('green');
      expect((await io.in('green').fetchSockets()).length).toBe(0);
      const reasons = Promise.all([nextEvent(a, 'disconnect'), nextEvent(b, 'disconnect')]);
      io.in('red').disconnectSockets();
      expect((await reasons).map(([reason]) => reason)).toEqual(['io server disconnect', 'io server disconnect']);
      expect(c.connected).toBe(true);
    });

    it('lists rooms in the namespace adapter and forgets a socket that left', async () => {
      const { io, a, sockets } = await threeInRooms();
      expect(io.sockets.adapter.rooms.get('red')?.size).toBe(2);
      const gone = sockets[0]!;
      const left = new Promise<Set<string>>((resolve) => gone.on('disconnecting', () => resolve(gone.rooms)));
      const disconnected = new Promise<string>((resolve) => gone.on('disconnect', resolve));
      a.disconnect();
      expect([...(await left)].sort()).toEqual([gone.id, 'red'].sort());
      expect(await disconnected).toBe('client namespace disconnect');
      expect(gone.rooms.size).toBe(0);
      expect(io.sockets.adapter.rooms.get('red')?.size).toBe(1);
    });

    it('collects acks of a broadcast with timeout', async () => {
      const { io, a, b, c } = await threeInRooms();
      for (const socket of [a, b, c]) socket.on('vote', (ack: (choice: string) => void) => ack(socket.id!));
      const responses = await io.to('red').timeout(5000).emitWithAck('vote');
      expect((responses as string[]).sort()).toEqual([a.id, b.id].sort());
    });
  });

  describe('acks', () => {
    it('calls a timeout ack with an error when the client never answers', async () => {
      const { io, client } = await serve();
      const connected = nextConnection(io);
      const socket = client();
      socket.on('silent', () => {});
      const server = await connected;
      const error = await new Promise<Error | null>((resolve) => server.timeout(30).emit('silent', (err: Error | null) => resolve(err)));
      expect(error?.message).toBe('operation has timed out');
    });

    it('answers an inbound ack only once', async () => {
      const { io, client } = await serve();
      io.on('connection', (socket) =>
        socket.on('twice', (ack: (n: number) => void) => {
          ack(1);
          ack(2);
          socket.emit('marker');
        }),
      );
      const socket = client();
      const replies: unknown[] = [];
      const marker = nextEvent(socket, 'marker');
      socket.emit('twice', (n: number) => replies.push(n));
      await marker;
      expect(replies).toEqual([1]);
    });

    it('refuses to emit reserved event names', async () => {
      const { io, client } = await serve();
      const connected = nextConnection(io);
      client();
      const socket = await connected;
      expect(() => socket.emit('disconnect')).toThrow('reserved');
      expect(() => io.emit('connect')).toThrow('reserved');
    });
  });

  describe('disconnection', () => {
    it('tells the client io server disconnect on socket.disconnect()', async () => {
      const { io, client } = await serve();
      const connected = nextConnection(io);
      const socket = client();
      const server = await connected;
      const reason = nextEvent(socket, 'disconnect');
      const serverReason = new Promise((resolve) => server.on('disconnect', resolve));
      server.disconnect();
      expect((await reason)[0]).toBe('io server disconnect');
      expect(await serverReason).toBe('server namespace disconnect');
    });

    it('closes the whole connection on socket.disconnect(true)', async () => {
      const { io, client } = await serve();
      const connected = nextConnection(io);
      const socket = client('/', { transports: ['websocket'] });
      const server = await connected;
      const reason = nextEvent(socket, 'disconnect');
      const serverReason = new Promise((resolve) => server.on('disconnect', resolve));
      server.disconnect(true);
      expect(await serverReason).toBe('forced close');
      expect((await reason)[0]).toBe('transport close');
    });

    it('gives the server socket transport close when the client goes away', async () => {
      const { io, client } = await serve();
      const connected = nextConnection(io);
      const socket = client('/', { transports: ['websocket'] });
      const server = await connected;
      const reason = new Promise((resolve) => server.on('disconnect', resolve));
      socket.io.engine.close();
      expect(await reason).toBe('transport close');
    });

    it('closes a connection that joins no namespace within connectTimeout', async () => {
      const { node } = await serve({ connectTimeout: 50 });
      const ws = new WebSocket(`${node.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      await once(ws, 'close');
    });
  });

  describe('malformed packets', () => {
    it.each(['4abc', '42{}', '42abc["x"]', '43999', '41/other,', '44{"message":"x"}', '451-["x",{"_placeholder":true,"num":5}]'])(
      'closes the connection that sends %j, and other clients carry on',
      async (packet) => {
        const { io, node, client } = await serve();
        io.on('connection', (socket) => socket.on('ping-me', (ack: (value: string) => void) => ack('pong')));
        const bystander = client('/', { transports: ['websocket'] });
        await nextEvent(bystander, 'connect');
        const ws = new WebSocket(`${node.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
        const frames: string[] = [];
        ws.on('message', (data) => frames.push(String(data)));
        await once(ws, 'message');
        ws.send('40');
        await once(ws, 'message');
        ws.send(packet);
        if (packet.startsWith('451-')) ws.send(Buffer.from([1]));
        await once(ws, 'close');
        expect(await bystander.emitWithAck('ping-me')).toBe('pong');
        expect(io.metrics.badPackets + io.metrics.unknownAcks).toBeGreaterThan(0);
      },
    );
  });
});
