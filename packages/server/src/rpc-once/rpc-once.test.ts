/**
 * RpcOnce over a MemoryRpcReplyStore, without sockets: the per-connection record of replies is
 * dropped with the connection, and a reply too large is kept as the 106 its repeats get.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { MemoryRpcReplyStore } from './memory-rpc-replies.js';
import { RpcOnce, rpcKey } from './rpc-once.js';

const options = { ttlMs: 60_000, waitMs: 1_000, leaseMs: 2_000, maxReplyBytes: 64, maxRepliesPerConnection: 2, logger: silentLogger };

describe('RpcOnce', () => {
  it('keeps a record of the replies of open connections only, dropped when they close', async () => {
    const store = new MemoryRpcReplyStore();
    const once = new RpcOnce(store, options);
    const open = { client: 'c1', state: 'connected' };
    await once.call(rpcKey('', 'm', 'a'), open, async () => ({ data: 1 }));
    expect(once.owners).toBe(1);
    once.closed('c1');
    expect(once.owners).toBe(0);
    // A connection that closed while its call ran gets no record back; the reply stays.
    await once.call(rpcKey('', 'm', 'b'), { client: 'c2', state: 'closed' }, async () => ({ data: 2 }));
    expect(once.owners).toBe(0);
    expect(store.size).toBe(2);
  });

  it('gives the first caller a reply larger than maxReplyBytes, and its repeats a 106', async () => {
    const once = new RpcOnce(new MemoryRpcReplyStore(), options);
    const owner = { client: 'c', state: 'connected' };
    const big = { data: 'x'.repeat(100) };
    let runs = 0;
    const run = async () => (runs++, big);
    await expect(once.call('k', owner, run)).resolves.toEqual(big);
    await expect(once.call('k', owner, run)).rejects.toMatchObject({ code: 106, temporary: false });
    expect(runs).toBe(1);
  });

  it('runs concurrent calls of one node under one key once, without polling the engine for its own run', async () => {
    const store = new MemoryRpcReplyStore();
    const claims: string[] = [];
    const watched = {
      claim: async (key: string, leaseMs: number) => {
        const claim = await store.claim(key, leaseMs);
        claims.push(claim.state);
        return claim;
      },
      settle: store.settle.bind(store),
      release: store.release.bind(store),
      forget: store.forget.bind(store),
    };
    const once = new RpcOnce(watched, options);
    const owner = { client: 'c', state: 'connected' };
    let runs = 0;
    const run = async () => ({ data: ++runs });
    const replies = await Promise.all([once.call('k', owner, run), once.call('k', owner, run), once.call('k', owner, run)]);
    expect(replies).toEqual([{ data: 1 }, { data: 1 }, { data: 1 }]);
    expect(claims).toEqual(['claimed']);
  });

  it('scopes keys by user and method without ambiguity', () => {
    expect(rpcKey('a:1', 'm', 'k')).not.toBe(rpcKey('a', '1:m', 'k'));
    expect(rpcKey('', 'm', 'k')).not.toBe(rpcKey('m', '', 'k'));
  });
});
