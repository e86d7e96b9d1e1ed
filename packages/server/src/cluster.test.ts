import { shouldReconnect } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Broker, BrokerEventHandler } from './broker.js';
import { DEFAULT_MAX_HELD } from './hub.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryBus } from './memory/memory-bus.js';
import { createRelais, type Relais } from './node.js';
import { delegatingBroker } from './testkit/delegating-broker.js';
import { flushMicrotasks } from './testkit/fake-transport.js';
import { connectSession, sendCommands as send, type OpenedSession } from './testkit/sessions.js';

let nodes: Relais[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
});

function node(broker: Broker): Relais {
  const relais = createRelais({ engine: { broker } });
  nodes.push(relais);
  return relais;
}

const connect = (relais: Relais): Promise<OpenedSession> => connectSession(relais);

describe('Relais with a shared MemoryBus (in-process cluster)', () => {
  it('delivers a publication made on one node to subscribers on every node', async () => {
    const bus = new MemoryBus();
    const [a, b, c] = [node(new MemoryBroker({ bus })), node(new MemoryBroker({ bus })), node(new MemoryBroker({ bus }))];
    const onA = await connect(a!);
    const onB = await connect(b!);
    const publisher = await connect(c!);
    send(onA.session, { id: 2, method: 'subscribe', params: { channel: 'room' } });
    send(onB.session, { id: 2, method: 'subscribe', params: { channel: 'room' } });
    await flushMicrotasks();
    send(publisher.session, { id: 2, method: 'publish', params: { channel: 'room', data: 'hi' } });
    await flushMicrotasks();
    expect(publisher.transport.reply(2)).toEqual({ id: 2, result: {} });
    for (const { transport } of [onA, onB]) {
      expect(transport.pushes('publication')).toEqual([
        { type: 'publication', channel: 'room', data: 'hi', info: { client: publisher.session.client, user: '' } },
      ]);
    }
  });

  it('keeps one broker subscription per channel and drops it with the last local subscriber', async () => {
    const broker = new MemoryBroker();
    const subscribe = vi.spyOn(broker, 'subscribe');
    const unsubscribe = vi.spyOn(broker, 'unsubscribe');
    const relais = node(broker);
    const x = await connect(relais);
    const y = await connect(relais);
    send(x.session, { id: 2, method: 'subscribe', params: { channel: 'room' } });
    send(y.session, { id: 2, method: 'subscribe', params: { channel: 'room' } });
    await flushMicrotasks();
    expect(subscribe).toHaveBeenCalledTimes(1);
    send(x.session, { id: 3, method: 'unsubscribe', params: { channel: 'room' } });
    await flushMicrotasks();
    expect(unsubscribe).not.toHaveBeenCalled();
    y.session.handleClose(1000);
    await flushMicrotasks();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    expect(relais.stats().subscriptions).toBe(0);
  });

  it('answers 100 and keeps the node alive when a result cannot be encoded', async () => {
    const relais = node(new MemoryBroker());
    relais.rpc('cycle', () => {
      const value: Record<string, unknown> = {};
      value.self = value;
      return value;
    });
    const { transport, session } = await connect(relais);
    send(session, { id: 2, method: 'rpc', params: { method: 'cycle' } });
    send(session, { id: 3, method: 'ping' });
    await flushMicrotasks();
    expect(transport.reply(2)?.error).toMatchObject({ code: 100 });
    expect(transport.reply(3)).toEqual({ id: 3, result: {} });
  });
});

describe('Relais when its broker reports an interruption', () => {
  /** A MemoryBroker that lets the test call the node's handler as a broker would. */
  function interruptible(gate: Promise<void> = Promise.resolve()): { broker: Broker; interrupt(channels: string[]): void } {
    const inner = new MemoryBroker();
    let handler: BrokerEventHandler | undefined;
    const broker = delegatingBroker(inner, {
      start: (h) => ((handler = h), inner.start(h)),
      // Broker subscriptions complete once the gate opens.
      subscribe: (channel) => gate.then(() => inner.subscribe(channel)),
    });
    return { broker, interrupt: (channels) => handler?.handleInterruption?.(channels) };
  }

  it('closes with 3010 (reconnect) the connections subscribed to an affected channel, and only those', async () => {
    const { broker, interrupt } = interruptible();
    const relais = node(broker);
    const [x, y, z] = [await connect(relais), await connect(relais), await connect(relais)];
    send(x.session, { id: 2, method: 'subscribe', params: { channel: 'a' } });
    send(y.session, { id: 2, method: 'subscribe', params: { channel: 'b' } });
    send(y.session, { id: 3, method: 'subscribe', params: { channel: 'c' } });
    send(z.session, { id: 2, method: 'subscribe', params: { channel: 'c' } });
    await flushMicrotasks();
    interrupt(['a', 'b', 'gone']);
    await flushMicrotasks();
    expect(x.transport.closed).toEqual({ code: 3010, reason: 'insufficient state' });
    expect(y.transport.closed).toEqual({ code: 3010, reason: 'insufficient state' });
    expect(z.transport.closed).toBeUndefined();
    expect(shouldReconnect(3010)).toBe(true);
    expect(relais.stats().connections).toBe(1);
  });

  it('also closes a connection whose subscription was still being set up', async () => {
    let open!: () => void;
    const { broker, interrupt } = interruptible(new Promise<void>((resolve) => (open = resolve)));
    const relais = node(broker);
    const x = await connect(relais);
    send(x.session, { id: 2, method: 'subscribe', params: { channel: 'a' } });
    await flushMicrotasks();
    expect(x.transport.reply(2)).toBeUndefined();
    interrupt(['a']);
    open();
    await flushMicrotasks();
    expect(x.transport.closed).toEqual({ code: 3010, reason: 'insufficient state' });
  });
});

describe('Relais when many publications arrive during a subscribe', () => {
  it('closes with 3010 a subscriber for which more than the hold cap arrived while its history read hung', async () => {
    let openHistory!: () => void;
    const historyGate = new Promise<void>((resolve) => (openHistory = resolve));
    const inner = new MemoryBroker();
    let gated = false;
    const broker = delegatingBroker(inner, {
      // Only the late subscriber's history read hangs.
      history: (channel, query) => (gated ? historyGate.then(() => inner.history(channel, query)) : inner.history(channel, query)),
    });
    const relais = createRelais({ engine: { broker }, namespaces: { '*': { historySize: 10, historyTtlMs: 60_000 } } });
    nodes.push(relais);
    const early = await connect(relais);
    send(early.session, { id: 2, method: 'subscribe', params: { channel: 'busy' } });
    await flushMicrotasks();
    expect(early.transport.reply(2)).toMatchObject({ result: {} });
    gated = true;
    const late = await connect(relais);
    send(late.session, { id: 2, method: 'subscribe', params: { channel: 'busy' } });
    await flushMicrotasks();
    for (let n = 1; n <= DEFAULT_MAX_HELD + 1; n++) await relais.publish('busy', n);
    openHistory();
    await flushMicrotasks();
    expect(late.transport.closed).toEqual({ code: 3010, reason: 'insufficient state' });
    expect(early.transport.closed).toBeUndefined();
    expect(early.transport.pushes('publication')).toHaveLength(DEFAULT_MAX_HELD + 1);
  });
});

describe('the cluster of nodes sharing a MemoryBus', () => {
  it('knows each node, with its info, and answers requests between them', async () => {
    const bus = new MemoryBus();
    const a = createRelais({ nodeId: 'a', engine: { broker: new MemoryBroker({ bus }) } });
    const b = createRelais({ nodeId: 'b', engine: { broker: new MemoryBroker({ bus }) } });
    const alone = createRelais({ nodeId: 'c' });
    nodes.push(a, b, alone);
    await Promise.all([a, b, alone].map((relais) => relais.listen({ port: 0 })));
    await connectSession(b);
    await flushMicrotasks();
    b.cluster.handle('ping', () => 'pong');
    await expect(a.cluster.request('b', 'ping', null, 1_000)).resolves.toBe('pong');
    expect(a.cluster.nodes().map((info) => info.id)).toEqual(['a', 'b']);
    expect(alone.cluster.nodes().map((info) => info.id)).toEqual(['c']);
    expect(b.cluster.nodes()[0]).toMatchObject({ id: 'b', connections: 1, version: expect.any(String) });
  });

  it('refuses a malformed nodeId', () => {
    for (const nodeId of ['', 'a b', 'x'.repeat(65), 5])
      expect(() => createRelais({ nodeId: nodeId as string })).toThrow('option nodeId must be 1–64 characters');
  });
});
