import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import jwt from './seeds/jwt-shim.js';

const clients: ClientSocket[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

function client(url: string, options: Parameters<typeof connect>[1] = {}): ClientSocket {
  const socket = connect(url, { forceNew: true, reconnection: false, ...options });
  clients.push(socket);
  return socket;
}

async function listening(server: HttpServer): Promise<string> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('seed 001 server code on relais', () => {
  it('answers the hello message', async () => {
    const { helloServer } = await import('./seeds/seed-001.js');
    const { server, io } = helloServer(0);
    cleanups.push(async () => {
      await io.close();
      server.close();
    });
    const socket = client(await listening(server));
    await nextEvent(socket, 'connect');
    const reply = nextEvent(socket, 'message');
    socket.emit('message', 'Hello from client');
    expect(await reply).toEqual(['Hello from server']);
  });

  it('counts clicks and sends the count to every client (polling and websocket alike)', async () => {
    const { counterServer } = await import('./seeds/seed-001.js');
    const { server, io } = counterServer(0);
    cleanups.push(async () => {
      await io.close();
      server.close();
    });
    const url = await listening(server);
    const a = client(url, { transports: ['polling'] });
    const b = client(url, { transports: ['websocket'] });
    await Promise.all([nextEvent(a, 'connect'), nextEvent(b, 'connect')]);
    const seen = Promise.all([nextEvent(a, 'click'), nextEvent(b, 'click')]);
    a.emit('click');
    expect(await seen).toEqual([[1], [1]]);
    const again = Promise.all([nextEvent(a, 'click'), nextEvent(b, 'click')]);
    b.emit('click');
    expect(await again).toEqual([[2], [2]]);
  });
});

describe('seed 003 chat server and client on relais', () => {
  it('authenticates with the JWT middleware, joins rooms, acks messages and relays typing', async () => {
    process.env.JWT_SECRET = 'seed-003-secret';
    const seed = await import('./seeds/seed-003-server.js');
    const { ChatClient } = await import('./seeds/seed-003-client.js');
    (globalThis as { window?: unknown }).window ??= globalThis;
    seed.users.set('u1', { id: 'u1', name: 'Ada' });
    seed.users.set('u2', { id: 'u2', name: 'Bob' });
    const { httpServer, io } = seed.start(0);
    cleanups.push(async () => {
      await io.close();
      httpServer.close();
    });
    const url = await listening(httpServer);

    const [refused] = (await nextEvent(client(url, { auth: { token: 'forged' } }), 'connect_error')) as [Error];
    expect(refused.message).toBe('Authentication failed');

    const token = (userId: string) => jwt.sign({ userId }, 'seed-003-secret');
    seed.users.set('u3', { id: 'u3', name: 'Carol' });
    // Bob, a plain socket.io-client, is in the room first.
    const bob = client(url, { auth: { token: token('u2') } });
    await nextEvent(bob, 'connect');
    bob.emit('joinRoom', 'general');
    await until(async () => (await io.in('general').fetchSockets()).length === 1);

    // Ada uses the seed's ChatClient class, unchanged: Bob hears her join.
    const joined = nextEvent(bob, 'userJoined');
    const ada = new ChatClient(url, token('u1'));
    cleanups.push(async () => ada.disconnect());
    ada.joinRoom('general');
    expect(await joined).toEqual([{ id: 'u1', name: 'Ada' }]);
    // ChatClient sets `retries: 3`, so socket.io-client sends one event at a time, each waiting
    // for its ack; the seed's joinRoom handler never acks, so the class's later emits wait
    // forever, against socket.io 4.8 as against relais. Carol, a plain client, sends instead.
    const carol = client(url, { auth: { token: token('u3') } });
    await nextEvent(carol, 'connect');
    carol.emit('joinRoom', 'general');
    await until(async () => (await io.in('general').fetchSockets()).length === 3);

    const message = nextEvent(bob, 'message');
    const id = await carol.emitWithAck('sendMessage', 'hello <script>alert(1)</script>world');
    const [data] = (await message) as [Record<string, unknown>];
    expect(data).toMatchObject({ id, userId: 'u3', userName: 'Carol', content: 'hello world', roomId: 'general' });

    const typing = nextEvent(bob, 'typing');
    carol.emit('startTyping');
    expect(await typing).toEqual([{ userId: 'u3', userName: 'Carol', roomId: 'general' }]);
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop (no fixed delay). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}
