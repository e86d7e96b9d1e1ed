import type { Push } from '@relais/protocol';
import { useTestNodes } from '@relais/server/testkit';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC } from '../shared/protocol.js';
import { ClickCounter, installCounter } from './counter.js';
import { installSocketIoCounter } from './socketio-counter.js';

const start = useTestNodes();
const sockets: Socket[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const close of closers.splice(0)) await close();
});

/** A seed 001 client: every count it got in `click` events, and a wait for one of them. */
function seedClient(base: string) {
  const socket = connect(base, { forceNew: true, reconnection: false });
  sockets.push(socket);
  const counts: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  socket.on('click', (count: number) => {
    counts.push(count);
    for (const waiter of waiters.filter((w) => w.count === count)) waiter.resolve();
  });
  const sees = (count: number) =>
    counts.includes(count) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { socket, counts, sees, click: () => socket.emit('click') };
}

async function serve() {
  const node = await start();
  const counter = new ClickCounter(node.relais);
  installCounter(node.relais, counter);
  const close = installSocketIoCounter(node.relais, counter);
  closers.push(close);
  const native = await node.connect();
  await native.call('subscribe', { channel: COUNTER_CHANNEL });
  const published = async () => ((await native.nextPush((p: Push) => p.type === 'publication')) as { data: unknown }).data;
  return { ...node, counter, close, native, published };
}

describe('the Socket.IO counter (seed 001 server code)', () => {
  it('shares one count with the native counter, clicks from either side reaching both', async () => {
    const { base, native, published } = await serve();
    // A native click before any Socket.IO page: replayed through the seed when the first one connects.
    expect(await native.call('rpc', { method: COUNTER_INCREMENT_RPC })).toEqual({ data: { count: 1 } });
    expect(await published()).toEqual({ count: 1 });

    const first = seedClient(base);
    await first.sees(1);
    first.click();
    await first.sees(2);
    expect(await published()).toEqual({ count: 2 });

    expect(await native.call('rpc', { method: COUNTER_INCREMENT_RPC })).toEqual({ data: { count: 3 } });
    expect(await published()).toEqual({ count: 3 });
    await first.sees(3);

    // A page opened later gets the current count at once, and its clicks reach everyone.
    const second = seedClient(base);
    await second.sees(3);
    second.click();
    await Promise.all([first.sees(4), second.sees(4)]);
    expect(await published()).toEqual({ count: 4 });
    expect(await native.call('rpc', { method: COUNTER_GET_RPC })).toEqual({ data: { count: 4 } });
    // Each count once from the seed's `io.emit`, and 1 also as the count a new socket gets.
    expect([...first.counts].sort()).toEqual([1, 1, 2, 3, 4]);
    expect(second.counts).toEqual([3, 4]);
  });

  it('runs native clicks through the seed once the first Socket.IO page has left', async () => {
    const { base, native, published, counter } = await serve();
    const gone = seedClient(base);
    await gone.sees(0);
    gone.socket.disconnect();
    const later = seedClient(base);
    await later.sees(0);
    // The seed's handler, taken from the socket that left, still counts and emits to the others.
    expect(await native.call('rpc', { method: COUNTER_INCREMENT_RPC })).toEqual({ data: { count: 1 } });
    await published();
    await later.sees(1);
    later.click();
    await later.sees(2);
    expect(await published()).toEqual({ count: 2 });
    expect(counter.count).toBe(2);
    expect(later.counts).toEqual([0, 1, 2]);
  });

  it('is removed by the disposer: /socket.io/ is released', async () => {
    const { base, close } = await serve();
    closers.pop();
    await close();
    const socket = connect(base, { forceNew: true, reconnection: false });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toMatch(/xhr poll error|websocket error/);
  });
});
