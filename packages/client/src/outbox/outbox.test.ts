import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Client } from '../client.js';
import type { SharedClient } from '../share/shared-client.js';
import { ClientClosedError, InvalidOptionsError, ServerError } from '../errors.js';
import { fakeClient } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import { OutboxExpiredError } from './errors.js';
import { Outbox, type OutboxClient } from './outbox.js';
import { MemoryOutboxStore, type OutboxEntry } from './store.js';

/** A MemoryOutboxStore that logs its writes into `log`, next to what the server receives. */
function loggedStore(log: string[]) {
  const store = new MemoryOutboxStore();
  return Object.assign(Object.create(store) as MemoryOutboxStore, {
    put: (e: OutboxEntry) => (log.push(`put ${e.key}`), store.put(e)),
    delete: (key: string) => (log.push(`delete ${key}`), store.delete(key)),
    list: () => store.list(),
  });
}

describe('Outbox', () => {
  const fake = useFakeServer();

  it('writes a publish before sending it and removes it once acknowledged', async () => {
    const log: string[] = [];
    const store = loggedStore(log);
    fake.server.onCommand((command) => {
      if (command.method === 'publish') log.push(`server ${command.params.idempotencyKey}`);
      return undefined;
    });
    const client = fakeClient(fake.server);
    const outbox = new Outbox(client, { store });
    client.connect();
    const result = outbox.publish('room:1', { n: 1 }, { event: 'message' });
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).resolves.toBeDefined();
    const key = fake.server.commands('publish')[0]!.params.idempotencyKey!;
    expect(log).toEqual([`put ${key}`, `server ${key}`, `delete ${key}`]);
    expect(fake.server.commands('publish')[0]!.params).toMatchObject({ channel: 'room:1', data: { n: 1 }, event: 'message' });
    expect(await outbox.pending()).toEqual([]);
    client.close();
  });

  it('resends on the next start what a closed page left, and the server applies it once', async () => {
    const store = new MemoryOutboxStore();
    const first = fakeClient(fake.server);
    const pending = new Outbox(first, { store }).publish('room:1', 'offline');
    await vi.advanceTimersByTimeAsync(0);
    first.close(); // the page is closed before it ever connected
    await expect(pending).rejects.toBeInstanceOf(ClientClosedError);
    expect(await store.list()).toHaveLength(1);

    const second = fakeClient(fake.server);
    const outbox = new Outbox(second, { store });
    const sent = vi.fn();
    outbox.on('sent', sent);
    expect(await outbox.start()).toBe(1);
    second.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.published).toEqual([{ channel: 'room:1', data: 'offline', idempotencyKey: expect.any(String) }]);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(await store.list()).toEqual([]);
    second.close();
  });

  it('resends with the same key after a crash between the server applying it and the ack', async () => {
    const store = new MemoryOutboxStore();
    const off = fake.server.onCommand((command, connection) => {
      if (command.method !== 'publish') return undefined;
      fake.server.defaultOutcome(command, connection);
      return 'noreply'; // applied, but the page dies before the reply arrives
    });
    const first = fakeClient(fake.server);
    first.connect();
    void new Outbox(first, { store }).publish('room:1', 'once').catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    first.close();
    off();
    const second = fakeClient(fake.server);
    await new Outbox(second, { store }).start();
    second.connect();
    await vi.advanceTimersByTimeAsync(0);
    const keys = fake.server.commands('publish').map((c) => c.params.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(fake.server.published).toHaveLength(1);
    expect(await store.list()).toEqual([]);
    second.close();
  });

  it('waits offline past the client timeout until it connects', async () => {
    const client = fakeClient(fake.server, { timeoutMs: 1_000 });
    fake.server.refuse = { code: 1006, reason: 'down' };
    client.connect();
    const result = new Outbox(client, { store: new MemoryOutboxStore() }).publish('room:1', 'late');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.server.published).toEqual([]);
    fake.server.refuse = undefined;
    await vi.advanceTimersByTimeAsync(30_000);
    await expect(result).resolves.toBeDefined();
    expect(fake.server.published.map((p) => p.data)).toEqual(['late']);
    client.close();
  });

  it('drops an entry older than maxAgeMs instead of sending it', async () => {
    const store = new MemoryOutboxStore();
    await store.put({ key: 'old', channel: 'room:1', data: 'stale', createdAt: Date.now() - 60_001 });
    const client = fakeClient(fake.server);
    const outbox = new Outbox(client, { store, maxAgeMs: 60_000 });
    const dropped = vi.fn();
    outbox.on('dropped', dropped);
    await outbox.start();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(dropped.mock.calls[0]![0].error).toBeInstanceOf(OutboxExpiredError);
    expect(fake.server.commands('publish')).toHaveLength(0);
    expect(await store.list()).toEqual([]);
    client.close();
  });

  it('drops a publish the server refuses for good, and retries a temporary refusal', async () => {
    let refusals = 0;
    fake.server.onCommand((command) => {
      if (command.method !== 'publish') return undefined;
      if (command.params.channel === 'secret:1') return { error: { code: 103, message: 'permission denied', temporary: false } };
      if (refusals++ === 0) return { error: { code: 111, message: 'too many requests', temporary: true } };
      return undefined;
    });
    const client = fakeClient(fake.server);
    const store = new MemoryOutboxStore();
    const outbox = new Outbox(client, { store, retryDelayMs: 500 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    await expect(outbox.publish('secret:1', 'x')).rejects.toBeInstanceOf(ServerError);
    const retried = outbox.publish('room:1', 'y');
    await vi.advanceTimersByTimeAsync(499);
    expect(fake.server.published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(retried).resolves.toBeDefined();
    expect(fake.server.published.map((p) => p.data)).toEqual(['y']);
    expect(await store.list()).toEqual([]);
    client.close();
  });

  it('writes an rpc before sending it, with its idempotency key, and removes it once answered', async () => {
    const log: string[] = [];
    const store = loggedStore(log);
    fake.server.onCommand((command) => {
      if (command.method !== 'rpc') return undefined;
      log.push(`server ${command.params.idempotencyKey}`);
      return { result: { data: { receipt: command.params.data } } };
    });
    const client = fakeClient(fake.server);
    const outbox = new Outbox(client, { store });
    const answered = vi.fn();
    outbox.on('answered', answered);
    client.connect();
    const result = outbox.rpc('order', 'tea');
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).resolves.toEqual({ receipt: 'tea' });
    const key = fake.server.commands('rpc')[0]!.params.idempotencyKey!;
    expect(log).toEqual([`put ${key}`, `server ${key}`, `delete ${key}`]);
    expect(answered).toHaveBeenCalledWith({
      entry: { kind: 'rpc', key, method: 'order', data: 'tea', createdAt: expect.any(Number) },
      data: { receipt: 'tea' },
    });
    expect(await outbox.pending()).toEqual([]);
    client.close();
  });

  it('resends an unanswered rpc on the next start with the same key, and reports the answer', async () => {
    const store = new MemoryOutboxStore();
    const off = fake.server.onCommand((command) => (command.method === 'rpc' ? 'noreply' : undefined));
    const first = fakeClient(fake.server);
    first.connect();
    void new Outbox(first, { store }).rpc('order', 'tea').catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    first.close(); // the page dies before the answer arrives
    off();
    fake.server.onCommand((command) => (command.method === 'rpc' ? { result: { data: 'receipt' } } : undefined));
    const second = fakeClient(fake.server);
    const outbox = new Outbox(second, { store });
    const answered = vi.fn();
    outbox.on('answered', answered);
    expect(await outbox.start()).toBe(1);
    second.connect();
    await vi.advanceTimersByTimeAsync(0);
    const keys = fake.server.commands('rpc').map((c) => c.params.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(answered.mock.calls.map(([event]) => event.data)).toEqual(['receipt']);
    expect(await store.list()).toEqual([]);
    second.close();
  });

  it('removes an rpc whose handler refused it for good and reports it as failed; a temporary error is retried', async () => {
    let calls = 0;
    fake.server.onCommand((command) => {
      if (command.method !== 'rpc') return undefined;
      if (command.params.method === 'sold-out') return { error: { code: 409, message: 'sold out', temporary: false } };
      if (calls++ === 0) return { error: { code: 114, message: 'timeout', temporary: true } };
      return { result: { data: 'ok' } };
    });
    const client = fakeClient(fake.server);
    const store = new MemoryOutboxStore();
    const outbox = new Outbox(client, { store, retryDelayMs: 500 });
    const failed = vi.fn();
    outbox.on('failed', failed);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    await expect(outbox.rpc('sold-out')).rejects.toMatchObject({ serverCode: 409 });
    expect(failed.mock.calls[0]![0]).toMatchObject({ entry: { kind: 'rpc', method: 'sold-out' }, error: { serverCode: 409 } });
    const retried = outbox.rpc('order');
    await vi.advanceTimersByTimeAsync(500);
    await expect(retried).resolves.toBe('ok');
    expect(fake.server.commands('rpc').map((c) => c.params.method)).toEqual(['sold-out', 'order', 'order']);
    expect(await store.list()).toEqual([]);
    client.close();
  });

  it('drops an rpc older than maxAgeMs instead of sending it', async () => {
    const store = new MemoryOutboxStore();
    await store.put({ kind: 'rpc', key: 'old', method: 'order', createdAt: Date.now() - 60_001 });
    const client = fakeClient(fake.server);
    const outbox = new Outbox(client, { store, maxAgeMs: 60_000 });
    const failed = vi.fn();
    outbox.on('failed', failed);
    await outbox.start();
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(failed.mock.calls[0]![0].error).toBeInstanceOf(OutboxExpiredError);
    expect(failed.mock.calls[0]![0].error.message).toMatch(/^rpc order dropped from the outbox: /);
    expect(fake.server.commands('rpc')).toHaveLength(0);
    client.close();
  });

  it('rejects bad options with a precise error', () => {
    const client = fakeClient(fake.server);
    expect(() => new Outbox(client, { store: 'disk' as never })).toThrow(/store must be 'indexeddb' or an OutboxStore/);
    expect(() => new Outbox(client, { store: new MemoryOutboxStore(), maxAgeMs: 0 })).toThrow(/maxAgeMs must be a positive/);
    expect(() => new Outbox(client, { store: 'indexeddb' })).toThrow(/needs IndexedDB/);
    const outbox = new Outbox(client, { store: new MemoryOutboxStore() });
    return expect(outbox.publish('room:1', 1, { ephemeral: true } as never)).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it('takes a Client or a SharedClient', () => {
    expectTypeOf<Client>().toExtend<OutboxClient>();
    expectTypeOf<SharedClient>().toExtend<OutboxClient>();
  });
});
