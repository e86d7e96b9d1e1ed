/**
 * RPCs called with an idempotency key, over real sockets on the memory engine: the handler runs
 * once per (user, method, key); repeats get the remembered result or error, on this node or on
 * another node of the same bus, and a repeat while the first still runs waits for its reply.
 */
import { ReplyError, defineContract } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryBroker } from '../memory/memory-broker.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { delegatingBroker } from '../testkit/delegating-broker.js';
import { useTestNodes } from '../testkit/test-node.js';
import type { RpcClaim, RpcReplyStore } from './rpc-reply-store.js';

const start = useTestNodes();

function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** The store, telling `onRunning` each time a claim found the key running elsewhere. */
function watched(store: RpcReplyStore, onRunning: () => void): RpcReplyStore {
  return {
    claim: async (key, leaseMs): Promise<RpcClaim> => {
      const claim = await store.claim(key, leaseMs);
      if (claim.state === 'running') onRunning();
      return claim;
    },
    settle: (key, reply, ttlMs) => store.settle(key, reply, ttlMs),
    release: (key) => store.release(key),
    forget: (key) => store.forget(key),
  };
}

const asUser = (user: string) => ({ data: user });

describe('rpc with an idempotency key', () => {
  it('runs the handler once per key, and every repeat gets the first result, also on a new connection', async () => {
    const node = await start();
    node.relais.onConnecting(({ data }) => ({ user: String(data ?? '') }));
    let runs = 0;
    node.relais.rpc('order', ({ data }) => ({ run: ++runs, item: data }));
    const first = await node.connect(undefined, asUser('ada'));
    const call = (client: typeof first, key?: string) =>
      client.call('rpc', key === undefined ? { method: 'order', data: 'tea' } : { method: 'order', data: 'tea', idempotencyKey: key });
    expect(await call(first, 'k1')).toEqual({ data: { run: 1, item: 'tea' } });
    expect(await call(first, 'k1')).toEqual({ data: { run: 1, item: 'tea' } });
    await first.close();
    const again = await node.connect(undefined, asUser('ada'));
    expect(await call(again, 'k1')).toEqual({ data: { run: 1, item: 'tea' } });
    expect(runs).toBe(1);
    // Another key, another user with the same key, or no key: the handler runs.
    expect(await call(again, 'k2')).toEqual({ data: { run: 2, item: 'tea' } });
    const bob = await node.connect(undefined, asUser('bob'));
    expect(await call(bob, 'k1')).toEqual({ data: { run: 3, item: 'tea' } });
    expect(await call(again)).toEqual({ data: { run: 4, item: 'tea' } });
    expect(await call(again)).toEqual({ data: { run: 5, item: 'tea' } });
  });

  it("keeps at most limits.maxIdempotencyKeysPerConnection of one connection's replies, its oldest forgotten first, others' untouched", async () => {
    const bus = new MemoryBus();
    const node = await start({ engine: { broker: new MemoryBroker({ bus }) }, limits: { maxIdempotencyKeysPerConnection: 3 } });
    let runs = 0;
    node.relais.rpc('count', () => ++runs);
    const [flooder, other] = [await node.connect(), await node.connect()];
    const call = (client: typeof flooder, key: string) => client.call('rpc', { method: 'count', idempotencyKey: key });
    expect(await call(other, 'mine')).toEqual({ data: 1 });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) await call(flooder, key);
    expect(bus.rpcReplies.size).toBe(4);
    // k5 is remembered; k1 was forgotten: its repeat runs the handler again.
    expect(await call(flooder, 'k5')).toEqual({ data: 6 });
    expect(await call(flooder, 'k1')).toEqual({ data: 7 });
    expect(await call(other, 'mine')).toEqual({ data: 1 });
  });

  it('remembers an error that is not temporary; a temporary one lets the repeat run again', async () => {
    const node = await start();
    let runs = 0;
    node.relais.rpc('refuse', () => {
      runs++;
      throw new ReplyError(409, 'sold out');
    });
    node.relais.rpc('crash', () => {
      runs++;
      throw new Error('bug');
    });
    const client = await node.connect();
    for (let i = 0; i < 2; i++) {
      expect(await client.command('rpc', { method: 'refuse', idempotencyKey: 'r' })).toMatchObject({
        error: { code: 409, message: 'sold out', temporary: false },
      });
    }
    expect(runs).toBe(1);
    for (let i = 0; i < 2; i++) {
      expect(await client.command('rpc', { method: 'crash', idempotencyKey: 'c' })).toMatchObject({
        error: { code: 100, temporary: true },
      });
    }
    expect(runs).toBe(3);
  });

  it('keeps a reply larger than limits.maxRpcReplyBytes from the engine: the repeat gets 106, the handler does not run again', async () => {
    const node = await start({ limits: { maxRpcReplyBytes: 100 } });
    let runs = 0;
    node.relais.rpc('big', () => {
      runs++;
      return 'x'.repeat(200);
    });
    const client = await node.connect();
    expect(await client.call('rpc', { method: 'big', idempotencyKey: 'b' })).toEqual({ data: 'x'.repeat(200) });
    const repeat = await client.command('rpc', { method: 'big', idempotencyKey: 'b' });
    expect(repeat).toMatchObject({ error: { code: 106, temporary: false } });
    expect('error' in repeat && repeat.error.message).toMatch(
      /was \d+ bytes, more than limits\.maxRpcReplyBytes \(100\): it was not kept$/,
    );
    expect(runs).toBe(1);
  });

  it("remembers a result refused by the contract's output schema: the repeat gets the same 100, the handler does not run again", async () => {
    const contract = defineContract({ rpc: { count: { output: z.number() } } });
    const node = await start({ contract });
    let runs = 0;
    node.relais.rpc('count', () => {
      runs++;
      return 'not a number';
    });
    const client = await node.connect();
    for (let i = 0; i < 2; i++) {
      expect(await client.command('rpc', { method: 'count', idempotencyKey: 'n' })).toMatchObject({
        error: { code: 100, temporary: false },
      });
    }
    expect(runs).toBe(1);
  });

  it('answers 114 to a repeat that waited rpcTimeoutMs for the first call on another node; a later repeat gets its reply', async () => {
    const bus = new MemoryBus();
    const waiting = gate();
    const other = new MemoryBroker({ bus });
    const broker = delegatingBroker(other, { rpcReplies: () => watched(bus.rpcReplies, waiting.open) });
    const one = await start({ engine: { broker: new MemoryBroker({ bus }) } });
    const two = await start({ engine: { broker }, rpcTimeoutMs: 50 });
    const started = gate();
    const release = gate();
    let runs = 0;
    const handler = async () => {
      runs++;
      started.open();
      await release.opened;
      return 'done';
    };
    one.relais.rpc('long', handler);
    two.relais.rpc('long', handler);
    const [a, b] = [await one.connect(), await two.connect()];
    const first = a.call('rpc', { method: 'long', idempotencyKey: 'l' });
    await started.opened;
    expect(await b.command('rpc', { method: 'long', idempotencyKey: 'l' })).toMatchObject({
      error: { code: 114, temporary: true },
    });
    await waiting.opened; // it did find the first call running, on node one
    release.open();
    expect(await first).toEqual({ data: 'done' });
    expect(await b.call('rpc', { method: 'long', idempotencyKey: 'l' })).toEqual({ data: 'done' });
    expect(runs).toBe(1);
  });

  it('gives a repeat on the same node, while the first still runs, the first reply', async () => {
    const node = await start();
    const started = gate();
    const release = gate();
    let runs = 0;
    node.relais.rpc('slow', async () => {
      runs++;
      started.open();
      await release.opened;
      return runs;
    });
    const [a, b] = [await node.connect(), await node.connect()];
    const first = a.call('rpc', { method: 'slow', idempotencyKey: 's' });
    await started.opened;
    const repeat = b.call('rpc', { method: 'slow', idempotencyKey: 's' });
    // Commands of a connection are dispatched in order: once the ping is answered, the repeat
    // is waiting for the first call.
    await b.call('ping');
    release.open();
    expect(await Promise.all([first, repeat])).toEqual([{ data: 1 }, { data: 1 }]);
    expect(runs).toBe(1);
  });

  it('runs the handler once over two nodes of one bus: a repeat on the other node waits for the first, then gets its reply', async () => {
    const bus = new MemoryBus();
    const waiting = gate();
    const other = new MemoryBroker({ bus });
    const broker = delegatingBroker(other, { rpcReplies: () => watched(bus.rpcReplies, waiting.open) });
    const [one, two] = [await start({ engine: { broker: new MemoryBroker({ bus }) } }), await start({ engine: { broker } })];
    const started = gate();
    const release = gate();
    let runs = 0;
    const handler = async ({ data }: { data: unknown }) => {
      runs++;
      started.open();
      await release.opened;
      return { run: runs, data };
    };
    one.relais.rpc('pay', handler);
    two.relais.rpc('pay', handler);
    const [a, b] = [await one.connect(), await two.connect()];
    const first = a.call('rpc', { method: 'pay', data: 5, idempotencyKey: 'p' });
    await started.opened;
    const repeat = b.call('rpc', { method: 'pay', data: 5, idempotencyKey: 'p' });
    await waiting.opened;
    release.open();
    expect(await Promise.all([first, repeat])).toEqual([{ data: { run: 1, data: 5 } }, { data: { run: 1, data: 5 } }]);
    expect(await b.call('rpc', { method: 'pay', data: 5, idempotencyKey: 'p' })).toEqual({ data: { run: 1, data: 5 } });
    expect(runs).toBe(1);
  });
});
