/**
 * Frame tracing over real WebSockets, on one node and across two nodes of a MemoryBus: what a
 * user trace and a channel trace show, and that a stopped trace leaves nothing running.
 */
import { describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../memory/memory-broker.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { MemoryPresenceStore } from '../memory/memory-presence-store.js';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';
import type { TraceFrame } from './trace-frame.js';

const start = useTestNodes();

async function member(bus: MemoryBus, nodeId: string): Promise<TestNode> {
  const node = await start({
    nodeId,
    engine: { broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) },
    namespaces: { room: {} },
  });
  node.relais.onConnecting(({ data }) => ({ user: String((data as { user?: string } | undefined)?.user ?? '') }));
  return node;
}

/** A trace's frames as they arrive, and the dropped count. */
function collect() {
  const frames: TraceFrame[] = [];
  let dropped = 0;
  return {
    frames,
    dropped: () => dropped,
    listener: (batch: { frames: TraceFrame[]; dropped: number }) => {
      frames.push(...batch.frames);
      dropped += batch.dropped;
    },
  };
}

const summary = (frames: TraceFrame[]) =>
  frames.map(({ direction, kind, user, frame }) => {
    const f = frame as { method?: string; type?: string; id?: number; code?: number; channel?: string };
    return `${user} ${direction} ${kind} ${f.method ?? f.type ?? (f.code !== undefined ? f.code : f.id !== undefined ? 'id' : '?')}`;
  });

describe('relais.trace', () => {
  it('follows every frame of one user: connect, commands, replies, pushes and the close', async () => {
    const node = await member(new MemoryBus(), 'n1');
    const seen = collect();
    const trace = node.relais.trace({ user: 'alice' }, seen.listener);
    await vi.waitFor(async () => expect((await node.relais.clusterStats()).nodes[0]?.traces).toBe(1));
    const alice = await node.connect(undefined, { data: { user: 'alice' } });
    const bob = await node.connect(undefined, { data: { user: 'bob' } });
    await alice.call('subscribe', { channel: 'room:1' });
    await bob.call('subscribe', { channel: 'room:1' });
    await bob.call('publish', { channel: 'room:1', data: { text: 'hi' } });
    await alice.nextPush((push) => push.type === 'publication');
    await alice.close();
    await vi.waitFor(() => expect(seen.frames.some((f) => f.kind === 'close')).toBe(true));
    expect(summary(seen.frames)).toEqual([
      'alice out connect ?',
      'alice in command subscribe',
      'alice out reply id',
      'alice out push publication',
      'alice out close 1005',
    ]);
    const publication = seen.frames.find((f) => f.kind === 'push')!;
    expect(publication).toMatchObject({
      node: 'n1',
      client: alice.id,
      frame: { type: 'publication', channel: 'room:1', data: { text: 'hi' } },
    });
    trace.stop();
    await vi.waitFor(async () => expect((await node.relais.clusterStats()).nodes[0]?.traces).toBe(0));
  });

  it('follows a channel: the commands naming it, their replies and its pushes, from every connection', async () => {
    const node = await member(new MemoryBus(), 'n1');
    const seen = collect();
    node.relais.trace({ channel: 'room:traced' }, seen.listener);
    await vi.waitFor(async () => expect((await node.relais.clusterStats()).nodes[0]?.traces).toBe(1));
    const carol = await node.connect(undefined, { data: { user: 'carol' } });
    await carol.call('subscribe', { channel: 'room:other' });
    await carol.call('subscribe', { channel: 'room:traced' });
    await carol.call('publish', { channel: 'room:other', data: 1 });
    await carol.call('publish', { channel: 'room:traced', data: 2 });
    await carol.nextPush((push) => push.type === 'publication' && push.channel === 'room:traced');
    await vi.waitFor(() => expect(seen.frames.filter((f) => f.kind === 'push')).toHaveLength(1));
    // The publication may reach carol before the reply to her publish: compared as a multiset.
    expect(summary(seen.frames).sort()).toEqual(
      [
        'carol in command subscribe',
        'carol out reply id',
        'carol in command publish',
        'carol out reply id',
        'carol out push publication',
      ].sort(),
    );
    for (const frame of seen.frames.filter((f) => f.direction === 'in'))
      expect(frame.frame).toMatchObject({ params: { channel: 'room:traced' } });
  });

  it('shows the frames of a user connected to another node of the cluster', async () => {
    const bus = new MemoryBus();
    const a = await member(bus, 'a');
    const b = await member(bus, 'b');
    await vi.waitFor(() => expect(a.relais.cluster.nodes()).toHaveLength(2));
    const seen = collect();
    const trace = a.relais.trace({ user: 'dave' }, seen.listener);
    await vi.waitFor(async () => expect((await a.relais.clusterStats()).nodes.map((n) => n.traces)).toEqual([1, 1]));
    const dave = await b.connect(undefined, { data: { user: 'dave' } });
    await dave.call('subscribe', { channel: 'room:b' });
    await vi.waitFor(() => expect(summary(seen.frames)).toContain('dave in command subscribe'));
    expect(new Set(seen.frames.map((f) => f.node))).toEqual(new Set(['b']));
    trace.stop();
    await vi.waitFor(async () => expect((await a.relais.clusterStats()).nodes.map((n) => n.traces)).toEqual([0, 0]));
    const before = seen.frames.length;
    await dave.call('publish', { channel: 'room:b', data: 'after' });
    await dave.nextPush((push) => push.type === 'publication');
    // A stopped trace taps nothing: a round trip through both nodes brings no frame.
    await a.relais.clusterStats();
    expect(seen.frames).toHaveLength(before);
  });

  it('refuses a target that is not exactly one user or one channel', async () => {
    const node = await member(new MemoryBus(), 'n1');
    const listener = () => {};
    expect(() => node.relais.trace({} as never, listener)).toThrow('either a user or a channel');
    expect(() => node.relais.trace({ user: 'a', channel: 'b' } as never, listener)).toThrow('either a user or a channel');
    expect(() => node.relais.trace({ user: '' }, listener)).toThrow('non-empty string');
    expect(() => node.relais.trace({ user: 'a', extra: 1 } as never, listener)).toThrow('unknown field "extra"');
  });
});

describe('relais.clusterStats', () => {
  it('lists every node with its counts and counters', async () => {
    const bus = new MemoryBus();
    const a = await member(bus, 'a');
    const b = await member(bus, 'b');
    await vi.waitFor(() => expect(a.relais.cluster.nodes()).toHaveLength(2));
    const client = await b.connect(undefined, { data: { user: 'eve' } });
    await client.call('subscribe', { channel: 'room:x' });
    const { nodes, errors } = await a.relais.clusterStats();
    expect(errors).toEqual([]);
    expect(nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(nodes[1]).toMatchObject({ connections: 1, subscriptions: 1, channels: 1, messagesIn: 2, messagesOut: 2, traces: 0 });
    expect(nodes[0]).toMatchObject({ connections: 0, subscriptions: 0 });
    // The lag is sampled from the first ask on.
    expect(nodes[1]!.eventLoopLagMs).toBeNull();
    await vi.waitFor(async () => expect(typeof (await a.relais.clusterStats()).nodes[1]!.eventLoopLagMs).toBe('number'));
  });
});
