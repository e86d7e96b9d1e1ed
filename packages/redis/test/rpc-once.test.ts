/**
 * RPCs called with an idempotency key on the Redis engine: two nodes on one prefix run the
 * handler once per key; a repeat on the other node gets the first reply, and one sent while
 * the first still runs waits for it. And the RpcReplyStore contract suite on Redis itself.
 */
import { JSON_SUBPROTOCOL, ReplyError } from '@relais/protocol';
import { createRelais, type Broker, type Relais, type RpcReplyStore } from '@relais/server';
import { TestClient, delegatingBroker, runRpcReplyStoreSuite } from '@relais/server/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

let nodes: Relais[] = [];
const clients: TestClient[] = [];
let prefix = '';

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
  await deleteKeys(REDIS_URL, prefix);
});

// The contract suite over two brokers on one prefix (two nodes), closed and cleaned up at the end.
const suitePrefix = uniquePrefix('rpcstore');
const brokers: RedisBroker[] = [];
afterAll(async () => {
  await Promise.all(brokers.map((broker) => broker.close()));
  await deleteKeys(REDIS_URL, suitePrefix);
});
runRpcReplyStoreSuite('two RedisBrokers on one prefix', async () => {
  const pair = [new RedisBroker({ urls: [REDIS_URL], prefix: suitePrefix }), new RedisBroker({ urls: [REDIS_URL], prefix: suitePrefix })];
  brokers.push(...pair);
  const noop = { handlePublication: () => {}, handleJoin: () => {}, handleLeave: () => {} };
  await Promise.all(pair.map((broker) => broker.start(noop)));
  return [pair[0]!.rpcReplies(), pair[1]!.rpcReplies()];
});

function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function node(broker: Broker): Promise<TestClient> {
  const relais = createRelais({ engine: { broker } });
  nodes.push(relais);
  const { port } = await relais.listen({ port: 0 });
  const client = await TestClient.open(`ws://127.0.0.1:${port}${relais.options.path}`, { protocols: JSON_SUBPROTOCOL });
  clients.push(client);
  await client.call('connect');
  return client;
}

describe('rpc with an idempotency key on Redis', () => {
  it('runs the handler once over two nodes: a repeat on the other node, while the first runs and after, gets the first reply', async () => {
    prefix = uniquePrefix('rpconce');
    const waiting = gate();
    const second = new RedisBroker({ urls: [REDIS_URL], prefix });
    // The second node's store, telling the test when a claim found the key running on the first.
    const watched = (store: RpcReplyStore): RpcReplyStore => ({
      claim: async (key, leaseMs) => {
        const claim = await store.claim(key, leaseMs);
        if (claim.state === 'running') waiting.open();
        return claim;
      },
      settle: (key, reply, ttlMs) => store.settle(key, reply, ttlMs),
      release: (key) => store.release(key),
      forget: (key) => store.forget(key),
    });
    const a = await node(new RedisBroker({ urls: [REDIS_URL], prefix }));
    const b = await node(delegatingBroker(second, { rpcReplies: () => watched(second.rpcReplies()) }));
    const started = gate();
    const release = gate();
    let runs = 0;
    const handler = async ({ data }: { data: unknown }) => {
      runs++;
      started.open();
      await release.opened;
      return { run: runs, data };
    };
    for (const relais of nodes) relais.rpc('pay', handler);
    const params = { method: 'pay', data: { amount: 5 }, idempotencyKey: 'pay-1' };
    const first = a.call('rpc', params);
    await started.opened;
    const repeat = b.call('rpc', params);
    await waiting.opened;
    release.open();
    const reply = { data: { run: 1, data: { amount: 5 } } };
    expect(await Promise.all([first, repeat])).toEqual([reply, reply]);
    expect(await b.call('rpc', params)).toEqual(reply);
    expect(await a.call('rpc', params)).toEqual(reply);
    expect(runs).toBe(1);
  });

  it('remembers an error that is not temporary across nodes', async () => {
    prefix = uniquePrefix('rpconce');
    const a = await node(new RedisBroker({ urls: [REDIS_URL], prefix }));
    const b = await node(new RedisBroker({ urls: [REDIS_URL], prefix }));
    let runs = 0;
    for (const relais of nodes) {
      relais.rpc('book', () => {
        runs++;
        throw new ReplyError(409, 'taken');
      });
    }
    for (const client of [a, b]) {
      expect(await client.command('rpc', { method: 'book', idempotencyKey: 'seat-9' })).toMatchObject({
        error: { code: 409, message: 'taken' },
      });
    }
    expect(runs).toBe(1);
  });
});
