import { jsonCodec } from '@relais/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { MAX_TRACED_FRAME_CHARS } from './trace-frame.js';
import { Tracer, type TraceBatch, type TracedSession } from './tracer.js';

function fakeSession(client: string, user: string, channels: string[] = []): TracedSession {
  return { client, user, codec: jsonCodec, channels: new Set(channels), tap: undefined };
}

function setup(sessions: TracedSession[], maxBatchFrames = 10) {
  const sent: { to: string; body: TraceBatch }[] = [];
  const tracer = new Tracer({
    nodeId: 'n1',
    send: async (to, _type, body) => void sent.push({ to, body: body as TraceBatch }),
    sessions: () => sessions,
    flushMs: 100,
    maxBatchFrames,
    logger: silentLogger,
  });
  return { tracer, sent };
}

describe('Tracer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('taps only the connections a trace wants, and none once it stopped', () => {
    const alice = fakeSession('c1', 'alice');
    const bob = fakeSession('c2', 'bob');
    const { tracer } = setup([alice, bob]);
    expect(tracer.active).toBe(false);
    tracer.start({ id: 't1', viewer: 'v', target: { user: 'alice' }, leaseMs: 1_000 });
    expect([tracer.active, alice.tap, bob.tap]).toEqual([true, tracer, undefined]);
    tracer.stop('t1');
    expect([tracer.active, alice.tap, bob.tap]).toEqual([false, undefined, undefined]);
  });

  it('ends a trace whose lease was not renewed, and keeps one that was', () => {
    const alice = fakeSession('c1', 'alice');
    const { tracer } = setup([alice]);
    tracer.start({ id: 't1', viewer: 'v', target: { user: 'alice' }, leaseMs: 1_000 });
    vi.advanceTimersByTime(900);
    tracer.start({ id: 't1', viewer: 'v', target: { user: 'alice' }, leaseMs: 1_000 });
    vi.advanceTimersByTime(900);
    expect(tracer.size).toBe(1);
    vi.advanceTimersByTime(200);
    expect([tracer.size, alice.tap]).toEqual([0, undefined]);
  });

  it('sends bounded batches to the viewer, counting what did not fit', () => {
    const alice = fakeSession('c1', 'alice');
    const { tracer, sent } = setup([alice], 3);
    tracer.start({ id: 't1', viewer: 'viewer-node', target: { user: 'alice' }, leaseMs: 10_000 });
    for (let i = 1; i <= 5; i++) alice.tap!.inbound(alice, jsonCodec.encode({ id: i, method: 'ping' }));
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('viewer-node');
    expect(sent[0]!.body.frames.map((f) => (f.frame as { id: number }).id)).toEqual([1, 2, 3]);
    expect(sent[0]!.body.dropped).toBe(2);
    vi.advanceTimersByTime(1_000);
    // Nothing new: no empty batches.
    expect(sent).toHaveLength(1);
  });

  it('cuts a frame too large to show to its envelope', () => {
    const alice = fakeSession('c1', 'alice');
    const { tracer, sent } = setup([alice]);
    tracer.start({ id: 't1', viewer: 'v', target: { user: 'alice' }, leaseMs: 10_000 });
    const data = 'x'.repeat(MAX_TRACED_FRAME_CHARS);
    alice.tap!.outbound(alice, jsonCodec.encode({ type: 'publication', channel: 'room:1', data }));
    tracer.flush();
    expect(sent[0]!.body.frames[0]).toMatchObject({
      direction: 'out',
      kind: 'push',
      frame: { truncated: true, type: 'publication', channel: 'room:1' },
    });
  });

  it('a channel trace keeps the close of a connection holding the channel only', () => {
    const holder = fakeSession('c1', 'a', ['room:1']);
    const other = fakeSession('c2', 'b', ['room:2']);
    const { tracer, sent } = setup([holder, other]);
    tracer.start({ id: 't1', viewer: 'v', target: { channel: 'room:1' }, leaseMs: 10_000 });
    holder.tap!.closed(holder, 3000);
    other.tap!.closed(other, 3000);
    tracer.flush();
    expect(sent[0]!.body.frames.map((f) => [f.client, f.kind])).toEqual([['c1', 'close']]);
    expect([holder.tap, other.tap]).toEqual([undefined, undefined]);
  });

  it('sends the last frames and stops every trace on close', () => {
    const alice = fakeSession('c1', 'alice');
    const { tracer, sent } = setup([alice]);
    tracer.start({ id: 't1', viewer: 'v', target: { user: 'alice' }, leaseMs: 10_000 });
    alice.tap!.inbound(alice, jsonCodec.encode({ id: 1, method: 'ping' }));
    tracer.close();
    expect([sent.length, tracer.size, alice.tap, vi.getTimerCount()]).toEqual([1, 0, undefined, 0]);
  });
});
