import { useTestNodes } from '@relais/server/testkit';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RecoveryBuffer } from './recovery.js';
import { Server } from './server.js';
import type { Socket } from './socket.js';

const start = useTestNodes();
const clients: ClientSocket[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const io of servers.splice(0)) await io.close();
});

function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

describe('RecoveryBuffer', () => {
  it('gives the events after an offset, with their offsets, and refuses offsets it no longer holds', () => {
    const buffer = new RecoveryBuffer(3);
    expect(buffer.add(['a'])).toBe('0');
    buffer.add(['b']);
    buffer.add(['c']);
    expect(buffer.since('0')).toEqual([
      ['b', '1'],
      ['c', '2'],
    ]);
    expect(buffer.since(undefined)).toEqual([
      ['a', '0'],
      ['b', '1'],
      ['c', '2'],
    ]);
    buffer.add(['d']);
    expect(buffer.since(undefined)).toBeUndefined();
    expect(buffer.since('0')).toEqual([
      ['b', '1'],
      ['c', '2'],
      ['d', '3'],
    ]);
    expect(buffer.since('3')).toEqual([]);
    expect(buffer.since('9')).toBeUndefined();
    expect(buffer.since('x')).toBeUndefined();
  });
});

describe('connection state recovery with socket.io-client', () => {
  it.each([['websocket'], ['polling']] as const)(
    'gives back the socket and every missed room event exactly once (%s)',
    async (transport) => {
      const node = await start();
      const io = new Server(node.relais, { connectionStateRecovery: {} });
      servers.push(io);
      const connections: Socket[] = [];
      io.on('connection', (socket) => {
        connections.push(socket);
        socket.data.name ??= `user-${connections.length}`;
        socket.on('join', async (room: string, ack: () => void) => {
          await socket.join(room);
          ack();
        });
      });
      const client = connect(node.base, { forceNew: true, transports: [transport], reconnectionDelay: 50, reconnectionDelayMax: 50 });
      clients.push(client);
      await nextEvent(client, 'connect');
      await client.emitWithAck('join', 'room');
      const got: unknown[] = [];
      let allFour: () => void = () => {};
      const four = new Promise<void>((resolve) => (allFour = resolve));
      client.on('n', (value: unknown) => got.push(value) === 4 && allFour());
      const first = nextEvent(client, 'n');
      io.to('room').emit('n', 1);
      await first;
      const server = connections[0]!;
      const cut = new Promise((resolve) => server.on('disconnect', resolve));
      client.io.engine.close();
      expect(await cut).toBe('transport close');
      // While the client is away: a room event and a direct one.
      io.to('room').emit('n', 2);
      server.emit('n', 3);
      const back = nextEvent(client, 'connect');
      await back;
      expect(client.recovered).toBe(true);
      io.to('room').emit('n', 4);
      await four;
      // 2 went through the room's channel and 3 directly: they may come in either order (docs/socketio.md).
      expect([...got].sort()).toEqual([1, 2, 3, 4]);
      const marker = nextEvent(client, 'marker');
      server.emit('marker');
      await marker;
      expect(got).toHaveLength(4);
      expect(connections).toHaveLength(2);
      expect(connections[1]).toBe(server);
      expect(server.recovered).toBe(true);
      expect(server.data.name).toBe('user-1');
      expect(server.rooms.has('room')).toBe(true);
    },
  );

  it('starts a new session for a pid it does not know', async () => {
    const node = await start();
    const io = new Server(node.relais, { connectionStateRecovery: {} });
    servers.push(io);
    const client = connect(node.base, {
      forceNew: true,
      reconnection: false,
      transports: ['websocket'],
      auth: { pid: 'nope', offset: '3' },
    });
    clients.push(client);
    await nextEvent(client, 'connect');
    expect(client.recovered).toBe(false);
  });
});

describe('closing a server with sockets kept for recovery', () => {
  it('ends their relais connections', async () => {
    const node = await start();
    const io = new Server(node.relais, { connectionStateRecovery: {} });
    const connected = new Promise<Socket>((resolve) => io.once('connection', resolve));
    const client = connect(node.base, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    const server = await connected;
    const cut = new Promise((resolve) => server.on('disconnect', resolve));
    client.io.engine.close();
    await cut;
    expect(server.suspended).toBe(true);
    expect(node.relais.connections).toBe(1);
    await io.close();
    expect(server.suspended).toBe(false);
    expect(node.relais.connections).toBe(0);
  });
});
