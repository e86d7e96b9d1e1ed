/**
 * MemoryRpcReplyStore: claims, leases and settled replies on a fake clock, its bounds, and the
 * RpcReplyStore contract suite over two MemoryBrokers of one bus.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRpcReplyStore } from './memory-rpc-replies.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { MemoryBroker } from '../memory/memory-broker.js';
import { runRpcReplyStoreSuite } from '../testkit/rpc-reply-store-suite.js';
import { decodeReply, encodeReply } from './rpc-reply-store.js';

function store(options: { maxReplies?: number; maxBytes?: number } = {}) {
  const clock = { now: 1_000 };
  return { clock, replies: new MemoryRpcReplyStore({ now: () => clock.now, ...options }) };
}

const reply = (data: unknown) => encodeReply({ result: { data } });

describe('MemoryRpcReplyStore', () => {
  it('claims a free key once: the others see it running until it is settled, then answered until the TTL ends', async () => {
    const { clock, replies } = store();
    expect(await replies.claim('k', 100)).toEqual({ state: 'claimed' });
    expect(await replies.claim('k', 100)).toEqual({ state: 'running' });
    await replies.settle('k', reply(7), 1_000);
    const answered = await replies.claim('k', 100);
    expect(answered.state === 'answered' && decodeReply(answered.reply)).toEqual({ result: { data: 7 } });
    clock.now += 999;
    expect((await replies.claim('k', 100)).state).toBe('answered');
    clock.now += 1;
    expect(await replies.claim('k', 100)).toEqual({ state: 'claimed' });
  });

  it('frees a claim whose lease ended (its node is taken for lost) or that was released; a release leaves a reply alone', async () => {
    const { clock, replies } = store();
    await replies.claim('lost', 100);
    clock.now += 100;
    expect(await replies.claim('lost', 100)).toEqual({ state: 'claimed' });
    await replies.claim('freed', 100);
    await replies.release('freed');
    expect(await replies.claim('freed', 100)).toEqual({ state: 'claimed' });
    await replies.settle('kept', reply(1), 1_000);
    await replies.release('kept');
    expect((await replies.claim('kept', 100)).state).toBe('answered');
  });

  it('forgets the oldest first past maxReplies and past maxBytes', async () => {
    const { replies } = store({ maxReplies: 2 });
    for (const key of ['a', 'b', 'c']) await replies.settle(key, reply(key), 1_000);
    expect(replies.size).toBe(2);
    expect(await replies.claim('a', 100)).toEqual({ state: 'claimed' });
    const bytes = store({ maxBytes: 2_000 }).replies;
    for (const key of ['a', 'b', 'c']) await bytes.settle(key, reply('x'.repeat(500)), 1_000);
    expect(bytes.bytes).toBeLessThanOrEqual(2_000);
    expect(await bytes.claim('a', 100)).toEqual({ state: 'claimed' });
    expect((await bytes.claim('c', 100)).state).toBe('answered');
  });

  it('keeps a copy of the bytes it is given', async () => {
    const { replies } = store();
    const bytes = reply('original');
    await replies.settle('k', bytes, 1_000);
    bytes.fill(0);
    const answered = await replies.claim('k', 100);
    expect(answered.state === 'answered' && decodeReply(answered.reply)).toEqual({ result: { data: 'original' } });
  });

  it('rejects bounds that are not positive integers', () => {
    expect(() => new MemoryRpcReplyStore({ maxReplies: 0 })).toThrow(/maxRpcReplies/);
    expect(() => new MemoryRpcReplyStore({ maxBytes: 1.5 })).toThrow(/maxRpcReplyBytes/);
  });
});

runRpcReplyStoreSuite('two MemoryBrokers on one MemoryBus', () => {
  const bus = new MemoryBus();
  return [new MemoryBroker({ bus }).rpcReplies(), new MemoryBroker({ bus }).rpcReplies()];
});
