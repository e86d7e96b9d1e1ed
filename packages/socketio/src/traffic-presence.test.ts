import { useTestNodes } from '@relais/server/testkit';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
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

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The front-end traffic counters of `transport` on the node's /metrics. */
async function traffic(
  base: string,
  transport: string,
): Promise<{ received: number; receivedBytes: number; sent: number; sentBytes: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (family: string): number => {
    const line = text.split('\n').find((row) => row.startsWith(`${family}{frontend="socketio",transport="${transport}"}`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return {
    received: read('relais_frontend_messages_received_total'),
    receivedBytes: read('relais_frontend_received_bytes_total'),
    sent: read('relais_frontend_messages_sent_total'),
    sentBytes: read('relais_frontend_sent_bytes_total'),
  };
}

describe('Socket.IO traffic in the node metrics', () => {
  it.each([['websocket'], ['polling']] as const)('counts the packets and bytes of an event and its ack exactly (%s)', async (transport) => {
    const node = await start({ metrics: true });
    const io = new Server(node.relais);
    servers.push(io);
    io.on('connection', (socket) => socket.on('echo', (value: string, ack: (reply: string) => void) => ack(value)));
    const client = connect(node.base, { forceNew: true, reconnection: false, transports: [transport] });
    clients.push(client);
    await nextEvent(client, 'connect');
    if (transport === 'polling') await until(() => io.engine.size === 1);
    const before = await traffic(node.base, transport);
    expect(before.received).toBeGreaterThan(0);
    expect(await client.emitWithAck('echo', 'héllo')).toBe('héllo');
    const after = await traffic(node.base, transport);
    // In: the EVENT `420["echo","héllo"]` (é is 2 bytes); out: the ACK `430["héllo"]`.
    expect(after.received - before.received).toBe(1);
    expect(after.receivedBytes - before.receivedBytes).toBe(Buffer.byteLength('420["echo","héllo"]'));
    expect(after.sent - before.sent).toBe(1);
    expect(after.sentBytes - before.sentBytes).toBe(Buffer.byteLength('430["héllo"]'));
  });
});

describe('Socket.IO rooms as relais presence', () => {
  it('lists the sockets in a room as presence of its channel, with their user, and forgets them when they leave', async () => {
    const node = await start({ namespaces: { sio: { presence: true } } });
    const io = new Server(node.relais);
    servers.push(io);
    const sockets: Socket[] = [];
    io.on('connection', (socket) => sockets.push(socket));
    const client = connect(node.base, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    await nextEvent(client, 'connect');
    const socket = sockets[0]!;
    await socket.join('lobby');
    const presence = await node.relais.presence('sio:lobby');
    expect(Object.keys(presence)).toEqual([socket.relaisClient]);
    expect(presence[socket.relaisClient!]).toMatchObject({ client: socket.relaisClient, user: '' });
    socket.leave('lobby');
    await until(async () => Object.keys(await node.relais.presence('sio:lobby')).length === 0);
    await socket.join('lobby');
    client.disconnect();
    await until(async () => Object.keys(await node.relais.presence('sio:lobby')).length === 0);
  });

  it('passes the socket id and namespace to onConnecting hooks, which may put them in the presence info', async () => {
    const node = await start({ namespaces: { sio: { presence: true } } });
    node.relais.onConnecting((event) => {
      const sio = (event.data as { socketio?: { id: string; nsp: string } } | undefined)?.socketio;
      return sio ? { info: { socketId: sio.id, nsp: sio.nsp } } : undefined;
    });
    const io = new Server(node.relais);
    servers.push(io);
    const joined = new Promise<Socket>((resolve) =>
      io.on('connection', async (socket) => {
        await socket.join('lobby');
        resolve(socket);
      }),
    );
    const client = connect(node.base, { forceNew: true, reconnection: false, transports: ['websocket'] });
    clients.push(client);
    const socket = await joined;
    const presence = await node.relais.presence('sio:lobby');
    expect(presence[socket.relaisClient!]?.info).toEqual({ socketId: socket.id, nsp: '/' });
  });
});
