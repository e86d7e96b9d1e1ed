import { ReplyError } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import type { RelaisOptions } from '../options.js';
import { FakeTransport, flushMicrotasks } from '../testkit/fake-transport.js';
import { connectSession, sendCommands as send, type OpenedSession } from '../testkit/sessions.js';

let relais: Relais | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await relais?.close();
  relais = undefined;
});

function join(): Promise<OpenedSession> {
  return connectSession(relais!);
}

/** A node, a publisher and a watcher subscribed to chat:a. */
async function setup(options: RelaisOptions): Promise<{ publisher: Awaited<ReturnType<typeof join>>; watcher: FakeTransport }> {
  relais = createRelais(options);
  const watcher = await join();
  send(watcher.session, { id: 2, method: 'subscribe', params: { channel: 'chat:a' } });
  await flushMicrotasks();
  return { publisher: await join(), watcher: watcher.transport };
}

function publishes(from: number, count: number, channel = 'chat:a'): unknown[] {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, method: 'publish', params: { channel, data: from + i } }));
}

/** Outcome of each command after connect, in id order (refusals are written before async results). */
function outcomes(transport: FakeTransport): (string | number)[] {
  return transport
    .values()
    .filter((v) => typeof v.id === 'number' && v.id !== 1)
    .sort((x, y) => (x.id as number) - (y.id as number))
    .map((v) => ('error' in v ? (v.error as { code: number }).code : 'ok'));
}

function delivered(watcher: FakeTransport): unknown[] {
  return watcher.pushes('publication').map((p) => p.data);
}

describe('rate limits on a live session', () => {
  it('answers commands past the rate with 111 (temporary) and delivers nothing for them', async () => {
    const { publisher, watcher } = await setup({ limits: { perConnection: { commands: { perSecond: 1, burst: 4 } } } });
    send(publisher.session, ...publishes(10, 5));
    await flushMicrotasks();
    expect(outcomes(publisher.transport)).toEqual(['ok', 'ok', 'ok', 111, 111]);
    expect(publisher.transport.reply(13)).toMatchObject({ error: { code: 111, message: 'too many requests', temporary: true } });
    expect(delivered(watcher)).toEqual([10, 11, 12]);
    expect(relais!.stats().rateLimited).toEqual({ 'connection.commands': 2 });
    expect(relais!.stats().errors).toEqual({ 111: 2 });
  });

  it('closes a flooding connection with 3013 and keeps serving the others', async () => {
    const { publisher, watcher } = await setup({ limits: { perConnection: { commands: { perSecond: 1, burst: 3 } }, floodFactor: 2 } });
    send(publisher.session, ...publishes(10, 50));
    await flushMicrotasks();
    expect(publisher.transport.closed).toEqual({ code: 3013, reason: 'flood' });
    expect(delivered(watcher)).toEqual([10, 11]);
    expect(relais!.stats().disconnects).toEqual({ 3013: 1 });
    await relais!.publish('chat:a', 'still here');
    await flushMicrotasks();
    expect(delivered(watcher)).toEqual([10, 11, 'still here']);
  });

  it('limits publishes per namespace with publishRate, and other commands still run', async () => {
    const { publisher, watcher } = await setup({ namespaces: { chat: { publishRate: { perSecond: 1, burst: 2 } } } });
    send(publisher.session, ...publishes(10, 3), { id: 13, method: 'ping' });
    await flushMicrotasks();
    expect(outcomes(publisher.transport)).toEqual(['ok', 'ok', 111, 'ok']);
    expect(delivered(watcher)).toEqual([10, 11]);
  });

  it('refills with time (fake clock)', async () => {
    vi.useFakeTimers();
    const { publisher, watcher } = await setup({
      pingIntervalMs: 3_600_000,
      limits: { perConnection: { publishes: { perSecond: 2, burst: 2 } } },
    });
    send(publisher.session, ...publishes(10, 3));
    await flushMicrotasks();
    vi.advanceTimersByTime(500);
    send(publisher.session, ...publishes(20, 2));
    await flushMicrotasks();
    expect(outcomes(publisher.transport)).toEqual(['ok', 'ok', 111, 'ok', 111]);
    expect(delivered(watcher)).toEqual([10, 11, 20]);
  });

  it('limits inbound bytes: a message past the rate gets 111 for each of its commands', async () => {
    relais = createRelais({
      maxMessageBytes: 1024,
      maxQueueBytes: 4096,
      limits: { perConnection: { bytes: { perSecond: 1, burst: 1024 } } },
    });
    const { transport, session } = await join();
    const big = 'x'.repeat(900);
    send(session, { id: 2, method: 'send', params: { data: big } });
    send(session, { id: 3, method: 'send', params: { data: big } }, { id: 4, method: 'ping' });
    await flushMicrotasks();
    expect(outcomes(transport)).toEqual(['ok', 111, 111]);
    expect(relais.stats().rateLimited).toEqual({ 'connection.bytes': 1 });
  });

  it('caps pending RPCs of a connection', async () => {
    relais = createRelais({ limits: { maxPendingRpcs: 2 } });
    const release: (() => void)[] = [];
    relais.rpc('slow', () => new Promise<string>((resolve) => release.push(() => resolve('done'))));
    const { transport, session } = await join();
    const rpc = (id: number): unknown => ({ id, method: 'rpc', params: { method: 'slow' } });
    send(session, rpc(2), rpc(3), rpc(4));
    await flushMicrotasks();
    expect(transport.reply(4)).toMatchObject({ error: { code: 111, message: 'too many pending rpc calls' } });
    release.splice(0).forEach((done) => done());
    await flushMicrotasks();
    send(session, rpc(5));
    await flushMicrotasks();
    release.splice(0).forEach((done) => done());
    await flushMicrotasks();
    expect([2, 3, 5].map((id) => transport.reply(id))).toEqual([2, 3, 5].map((id) => ({ id, result: { data: 'done' } })));
  });

  it('frees the pending-RPC slot of a handler that answered or threw synchronously', async () => {
    relais = createRelais({ limits: { maxPendingRpcs: 1 } });
    relais.rpc('echo', ({ data }) => data);
    relais.rpc('deny', () => {
      throw new ReplyError(403, 'no');
    });
    const { transport, session } = await join();
    const rpc = (id: number, method: string): unknown => ({ id, method: 'rpc', params: { method, data: id } });
    for (const [id, method] of [
      [2, 'echo'],
      [3, 'deny'],
      [4, 'echo'],
      [5, 'deny'],
      [6, 'echo'],
    ] as const) {
      send(session, rpc(id, method));
      await flushMicrotasks();
    }
    expect([2, 4, 6].map((id) => transport.reply(id))).toEqual([2, 4, 6].map((id) => ({ id, result: { data: id } })));
    expect([3, 5].map((id) => transport.reply(id)?.error)).toEqual([3, 5].map(() => ({ code: 403, message: 'no', temporary: false })));
  });

  it('caps commands waiting for a slow connect', async () => {
    relais = createRelais({ limits: { maxPendingCommands: 3 } });
    let letIn: () => void = () => {};
    relais.onConnecting(() => new Promise<void>((resolve) => (letIn = resolve)));
    const transport = new FakeTransport();
    const session = relais.accept(transport)!;
    send(session, { id: 1, method: 'connect' }, { id: 2, method: 'ping' }, { id: 3, method: 'ping' }, { id: 4, method: 'ping' });
    await flushMicrotasks();
    expect(transport.reply(4)).toMatchObject({ error: { code: 111, message: 'too many pending commands' } });
    letIn();
    await flushMicrotasks();
    expect(transport.reply(2)).toEqual({ id: 2, result: {} });
    expect(transport.reply(3)).toEqual({ id: 3, result: {} });
  });

  it('shares a per-user rate between the connections of a user', async () => {
    relais = createRelais({ limits: { perUser: { publishes: { perSecond: 1, burst: 2 } } } });
    relais.onConnecting(() => ({ user: 'ada' }));
    const a = await join();
    const b = await join();
    send(a.session, ...publishes(10, 1));
    send(b.session, ...publishes(20, 2));
    await flushMicrotasks();
    expect(outcomes(a.transport)).toEqual(['ok']);
    expect(outcomes(b.transport)).toEqual(['ok', 111]);
    expect(relais.stats().rateLimited).toEqual({ 'user.publishes': 1 });
  });
});
