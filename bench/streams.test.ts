/**
 * The benchmark's servers deliver the same streams intact through the real client libraries:
 * @relais/client against relais, socket.io-client against Socket.IO, `ws` against both raw ws
 * variants (per-subscriber send and one pre-built frame). Small and bounded: it checks content
 * and order, never timing. The benchmark itself (bench/run.mjs) is not part of `npm test`.
 */
import { Client, type Subscription } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { forEachStamp } from './lib/protocols.mjs';
import { VARIANTS } from './servers/index.mjs';

interface Message {
  s: number;
  t: number;
  text: string;
  nested: { list: number[]; flag: boolean | null };
}

const ROOM = 'room:streams';
const COUNT = 200;

/** The stream every variant must deliver: varied sizes (past the 125-byte frame-length step, up to 56 KB) and non-ASCII text. */
const STREAM: Message[] = Array.from({ length: COUNT }, (_, s) => ({
  s,
  t: 1000 + s / 8,
  text: s % 50 === 7 ? 'é🚀\u2028'.repeat(s * 40) : `message ${s} ${'x'.repeat(s)}`,
  nested: { list: [s, -s || 0, s * 0.5], flag: s % 3 === 0 ? null : s % 2 === 0 },
}));

interface Running {
  port: number;
  close(): Promise<void>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startVariant(name: keyof typeof VARIANTS): Promise<Running> {
  const server = (await VARIANTS[name].start({ port: 0 })) as Running;
  cleanups.push(() => server.close());
  return server;
}

/** Resolves once `received` holds `count` items; rejects after `ms` with what arrived. */
function collect<T>(received: T[], count: number, ms = 15_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (received.length >= count) resolve(received);
      else if (Date.now() - started > ms) reject(new Error(`received ${received.length} of ${count}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

async function relaisStream(): Promise<unknown[]> {
  const { port } = await startVariant('relais');
  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  const subscriber = new Client(url, { websocket: WebSocket });
  const publisher = new Client(url, { websocket: WebSocket, encoding: msgpack });
  cleanups.push(
    () => subscriber.close(),
    () => publisher.close(),
  );
  const received: unknown[] = [];
  const sub: Subscription<Message> = subscriber.subscribe<Message>(ROOM);
  sub.on('publication', ({ data }) => received.push(data));
  const subscribed = new Promise<void>((resolve) => sub.on('state', ({ state }) => state === 'subscribed' && resolve()));
  subscriber.connect();
  publisher.connect();
  await subscribed;
  for (const message of STREAM) await publisher.publish(ROOM, message);
  return collect(received, COUNT);
}

async function socketioStream(): Promise<unknown[]> {
  const { port } = await startVariant('socketio');
  const connect = async (query: Record<string, string>): Promise<Socket> => {
    const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, query });
    cleanups.push(() => socket.close());
    await new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', reject);
    });
    return socket;
  };
  const subscriber = await connect({ room: ROOM });
  const publisher = await connect({});
  const received: unknown[] = [];
  subscriber.on('m', (data: unknown) => received.push(data));
  for (const message of STREAM) publisher.emit('pub', ROOM, message);
  return collect(received, COUNT);
}

async function wsStream(name: 'ws-naive' | 'ws-frame'): Promise<unknown[]> {
  const { port } = await startVariant(name);
  const subscriber = await openWs(`ws://127.0.0.1:${port}/?room=${encodeURIComponent(ROOM)}`);
  const publisher = await openWs(`ws://127.0.0.1:${port}/`);
  const received: unknown[] = [];
  subscriber.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(JSON.parse(data.toString()));
  });
  for (const message of STREAM) publisher.send(JSON.stringify({ r: ROOM, d: message }));
  return collect(received, COUNT);
}

describe('benchmark servers', () => {
  it('deliver the same stream, intact and in order, through @relais/client', async () => {
    expect(await relaisStream()).toEqual(STREAM);
  });

  it('deliver the same stream, intact and in order, through socket.io-client', async () => {
    expect(await socketioStream()).toEqual(STREAM);
  });

  it('deliver the same stream, intact and in order, through ws (send per subscriber)', async () => {
    expect(await wsStream('ws-naive')).toEqual(STREAM);
  });

  it('deliver the same stream, intact and in order, through ws (one pre-built frame)', async () => {
    expect(await wsStream('ws-frame')).toEqual(STREAM);
  });
});

describe('forEachStamp', () => {
  it('finds every send time in a batched message and nothing else', () => {
    const stamps: number[] = [];
    forEachStamp(
      '{"type":"publication","channel":"room:1","data":{"s":1,"t":12.5,"x":"a"}}\n{"id":3,"result":{}}\n{"type":"publication","channel":"room:1","data":{"s":2,"t":13,"x":"b"}}',
      (t) => stamps.push(t),
    );
    forEachStamp('42["m",{"s":3,"t":99.125,"x":"c"}]', (t) => stamps.push(t));
    forEachStamp('{"result":{"client":"c"},"id":1}', (t) => stamps.push(t));
    expect(stamps).toEqual([12.5, 13, 99.125]);
  });
});
