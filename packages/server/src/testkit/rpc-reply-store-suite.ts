/**
 * @module testkit/rpc-reply-store-suite
 * The contract suite of the RpcReplyStore role (rpc-once/rpc-reply-store): every engine that
 * offers `rpcReplies()` runs it. This file imports vitest: use it only from test files.
 *
 * @example
 * runRpcReplyStoreSuite('MemoryBus', () => {
 *   const bus = new MemoryBus();
 *   return [bus.rpcReplies, bus.rpcReplies];
 * });
 */
import { describe, expect, it } from 'vitest';
import { decodeReply, encodeReply, type RpcReplyStore } from '../rpc-once/rpc-reply-store.js';

/** Two stores sharing one backend (two nodes of one cluster). */
export type MakeRpcReplyStores = () => [RpcReplyStore, RpcReplyStore] | Promise<[RpcReplyStore, RpcReplyStore]>;

const LEASE_MS = 60_000;
const TTL_MS = 60_000;

export function runRpcReplyStoreSuite(name: string, makeStores: MakeRpcReplyStores): void {
  let serial = 0;
  const key = (): string => `k${Math.random().toString(36).slice(2, 8)}:${++serial}`;

  describe(`RpcReplyStore contract: ${name}`, () => {
    it('gives a free key to exactly one of concurrent claims from two nodes; the others see it running', async () => {
      const [x, y] = await makeStores();
      const k = key();
      const claims = await Promise.all([x.claim(k, LEASE_MS), y.claim(k, LEASE_MS), x.claim(k, LEASE_MS), y.claim(k, LEASE_MS)]);
      expect(claims.map((claim) => claim.state).sort()).toEqual(['claimed', 'running', 'running', 'running']);
    });

    it("answers every later claim, on either node, with the settled reply's bytes (binary data intact)", async () => {
      const [x, y] = await makeStores();
      const k = key();
      await x.claim(k, LEASE_MS);
      const reply = { result: { data: { bytes: new Uint8Array([0, 255, 7]), text: 'é' } } };
      await x.settle(k, encodeReply(reply), TTL_MS);
      for (const store of [x, y, y]) {
        const claim = await store.claim(k, LEASE_MS);
        expect(claim.state).toBe('answered');
        expect(claim.state === 'answered' && decodeReply(claim.reply)).toEqual(reply);
      }
    });

    it('keeps an error reply as it was given', async () => {
      const [x, y] = await makeStores();
      const k = key();
      const reply = { error: { code: 409, message: 'taken', temporary: false } };
      await x.claim(k, LEASE_MS);
      await x.settle(k, encodeReply(reply), TTL_MS);
      const claim = await y.claim(k, LEASE_MS);
      expect(claim.state === 'answered' && decodeReply(claim.reply)).toEqual(reply);
    });

    it('frees a released claim for the next caller, and leaves a settled reply alone', async () => {
      const [x, y] = await makeStores();
      const [freed, kept] = [key(), key()];
      await x.claim(freed, LEASE_MS);
      await x.release(freed);
      expect(await y.claim(freed, LEASE_MS)).toEqual({ state: 'claimed' });
      await x.claim(kept, LEASE_MS);
      await x.settle(kept, encodeReply({ result: {} }), TTL_MS);
      await y.release(kept);
      expect((await x.claim(kept, LEASE_MS)).state).toBe('answered');
      await y.release(key()); // a key never claimed: nothing happens
    });

    it('forgets a key, whatever it holds, on every node', async () => {
      const [x, y] = await makeStores();
      const [settled, claimed] = [key(), key()];
      await x.claim(settled, LEASE_MS);
      await x.settle(settled, encodeReply({ result: { data: 1 } }), TTL_MS);
      await x.claim(claimed, LEASE_MS);
      await y.forget(settled);
      await y.forget(claimed);
      expect(await x.claim(settled, LEASE_MS)).toEqual({ state: 'claimed' });
      expect(await x.claim(claimed, LEASE_MS)).toEqual({ state: 'claimed' });
    });

    it('keeps keys apart', async () => {
      const [x, y] = await makeStores();
      const [a, b] = [key(), key()];
      await x.claim(a, LEASE_MS);
      await x.settle(a, encodeReply({ result: { data: 'a' } }), TTL_MS);
      expect(await y.claim(b, LEASE_MS)).toEqual({ state: 'claimed' });
    });
  });
}
