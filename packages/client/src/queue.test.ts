import { describe, expect, it, vi } from 'vitest';
import { ConnectionLostError, MessageTooLargeError, QueueFullError, ServerError, TimeoutError } from './errors.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient } from './testing/helpers.js';

async function settle<T>(promise: Promise<T>): Promise<T | unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

describe('Client calls', () => {
  const fake = useFakeServer();

  describe('offline queue', () => {
    it('flushes calls made while disconnected in call order after the connect reply', async () => {
      const client = fakeClient(fake.server);
      const calls = [client.publish('a:1', 1), client.rpc('m', 2), client.send(3), client.publish('a:1', 4)];
      expect(client.stats().queuedSends).toBe(4);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      await Promise.all(calls);
      expect(fake.server.received.map((c) => c.method)).toEqual(['connect', 'publish', 'rpc', 'send', 'publish']);
      expect(fake.server.received.map((c) => c.id)).toEqual([1, 2, 3, 4, 5]);
      expect(client.stats().queuedSends).toBe(0);
    });

    it('resubscribes before flushing the queue', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      client.subscribe('room:1');
      await vi.advanceTimersByTimeAsync(0);
      fake.server.closeConnection(3001);
      await vi.advanceTimersByTimeAsync(0);
      void client.publish('room:1', 'queued');
      await vi.advanceTimersByTimeAsync(1000);
      expect(fake.server.connections[1]!.commands.map((c) => c.method)).toEqual(['connect', 'subscribe', 'publish']);
    });

    it('holds the queue, and calls made meanwhile, until every resubscribe has its reply', async () => {
      fake.server.onCommand((c, conn) => {
        if (c.method !== 'subscribe') return undefined;
        setTimeout(() => conn.reply(c.id, fake.server.defaultOutcome(c, conn)), 100);
        return 'noreply';
      });
      const client = fakeClient(fake.server);
      client.subscribe('room:1');
      void client.publish('room:1', 'queued');
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('connected');
      void client.publish('room:1', 'while resubscribing');
      await vi.advanceTimersByTimeAsync(99);
      expect(fake.server.received.map((c) => c.method)).toEqual(['connect', 'subscribe']);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.server.commands('publish').map((c) => c.params.data)).toEqual(['queued', 'while resubscribing']);
      void client.publish('room:1', 'after');
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('publish')).toHaveLength(3);
    });

    it('rejects with QueueFullError beyond maxQueueSize', async () => {
      const client = fakeClient(fake.server, { maxQueueSize: 2 });
      void client.send(1);
      void client.send(2);
      await expect(client.send(3)).rejects.toBeInstanceOf(QueueFullError);
    });

    it('rejects a queued call with TimeoutError after its timeoutMs, and never sends it', async () => {
      const client = fakeClient(fake.server, { timeoutMs: 3000 });
      const slow = settle(client.rpc('a'));
      const fast = settle(client.rpc('b', undefined, { timeoutMs: 1000 }));
      await vi.advanceTimersByTimeAsync(1000);
      expect(await fast).toBeInstanceOf(TimeoutError);
      expect(client.stats().queuedSends).toBe(1);
      await vi.advanceTimersByTimeAsync(2000);
      expect(await slow).toMatchObject({ name: 'TimeoutError', timeoutMs: 3000 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('rpc')).toHaveLength(0);
    });

    it('counts the time spent in the queue toward the timeout', async () => {
      const client = fakeClient(fake.server, { timeoutMs: 1000 });
      fake.server.onCommand((c) => (c.method === 'rpc' ? 'noreply' : undefined));
      const call = settle(client.rpc('a'));
      await vi.advanceTimersByTimeAsync(600);
      client.connect();
      await vi.advanceTimersByTimeAsync(399);
      expect(fake.server.commands('rpc')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await call).toBeInstanceOf(TimeoutError);
    });
  });

  describe('replies', () => {
    it('resolves rpc with the data the server returned', async () => {
      fake.server.onCommand((c) => (c.method === 'rpc' ? { result: { data: { now: 7 } } } : undefined));
      const client = fakeClient(fake.server);
      client.connect();
      await expect(client.rpc<{ now: number }>('time')).resolves.toEqual({ now: 7 });
    });

    it('rejects with ServerError carrying the reply code, message and temporary flag', async () => {
      fake.server.onCommand((c) =>
        c.method === 'publish' ? { error: { code: 111, message: 'too many requests', temporary: true } } : undefined,
      );
      const client = fakeClient(fake.server);
      client.connect();
      const error = await settle(client.publish('a:1', 1));
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ code: 'RELAIS_ERR_SERVER', serverCode: 111, temporary: true });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.server.commands('publish')).toHaveLength(1);
    });

    it('resends a publish refused with 115 (engine unavailable) with the same idempotency key until it is accepted', async () => {
      let refusals = 2;
      fake.server.onCommand((c) => {
        if (c.method !== 'publish' || refusals === 0) return undefined;
        refusals--;
        return { error: { code: 115, message: 'engine unavailable', temporary: true } };
      });
      const client = fakeClient(fake.server, { timeoutMs: 10_000 });
      client.connect();
      const published = settle(client.publish('a:1', 'once'));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await published).toEqual({});
      const sent = fake.server.commands('publish');
      expect(sent).toHaveLength(3);
      const keys = new Set(sent.map((c) => (c.params as { idempotencyKey?: string }).idempotencyKey));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toEqual(expect.any(String));
    });

    it('rejects with the 115 ServerError once a resend would pass the deadline, and resends nothing after', async () => {
      fake.server.onCommand((c) =>
        c.method === 'publish' ? { error: { code: 115, message: 'engine unavailable', temporary: true } } : undefined,
      );
      const client = fakeClient(fake.server, { timeoutMs: 1_000 });
      client.connect();
      const published = settle(client.publish('a:1', 1));
      await vi.advanceTimersByTimeAsync(1_000);
      const error = await published;
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ serverCode: 115, temporary: true });
      const count = fake.server.commands('publish').length;
      expect(count).toBeGreaterThan(1);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.server.commands('publish')).toHaveLength(count);
    });

    it('does not resend a 115 for calls that are not idempotent (rpc, ephemeral publish)', async () => {
      fake.server.onCommand((c) =>
        c.method === 'rpc' || c.method === 'publish' ? { error: { code: 115, message: 'engine unavailable', temporary: true } } : undefined,
      );
      const client = fakeClient(fake.server, { timeoutMs: 10_000 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const rpc = settle(client.rpc('m'));
      const ephemeral = settle(client.publish('a:1', 1, { ephemeral: true }));
      expect(await rpc).toMatchObject({ serverCode: 115 });
      expect(await ephemeral).toMatchObject({ serverCode: 115 });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(fake.server.commands('rpc')).toHaveLength(1);
      expect(fake.server.commands('publish')).toHaveLength(1);
    });

    it('times out a sent command without a reply and ignores a late reply', async () => {
      let id = 0;
      fake.server.onCommand((c) => {
        if (c.method !== 'rpc') return undefined;
        id = c.id;
        return 'noreply';
      });
      const client = fakeClient(fake.server, { timeoutMs: 2000 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const call = settle(client.rpc('slow'));
      await vi.advanceTimersByTimeAsync(2000);
      expect(await call).toBeInstanceOf(TimeoutError);
      fake.server.reply(id, { result: { data: 1 } });
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('connected');
      expect(client.stats().inflight).toBe(0);
    });

    it('refuses a command larger than the server maxMessageBytes without sending it', async () => {
      fake.server.connectResult = { ...fake.server.connectResult, maxMessageBytes: 100 };
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const error = await settle(client.publish('a:1', 'x'.repeat(200)));
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect((error as MessageTooLargeError).maxBytes).toBe(100);
      expect(fake.server.commands('publish')).toHaveLength(0);
      expect(client.state).toBe('connected');
    });
  });

  describe('dropped connections', () => {
    it('resends an unacknowledged publish with the same idempotency key and delivers it once', async () => {
      const client = fakeClient(fake.server, { random: () => 0 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      // The server accepts the publish, then the connection drops before the ack arrives.
      const off = fake.server.onCommand((c, conn) => {
        if (c.method !== 'publish') return undefined;
        fake.server.defaultOutcome(c, conn);
        conn.close(1006);
        return 'noreply';
      });
      const publish = client.publish('a:1', { n: 1 });
      await vi.advanceTimersByTimeAsync(0);
      off();
      await vi.advanceTimersByTimeAsync(500);
      await expect(publish).resolves.toEqual({});
      const sent = fake.server.commands('publish');
      expect(sent).toHaveLength(2);
      expect(sent[0]!.params.idempotencyKey).toBe(sent[1]!.params.idempotencyKey);
      expect(fake.server.published).toHaveLength(1);
    });

    it('rejects an unacknowledged rpc and send with ConnectionLostError', async () => {
      fake.server.onCommand((c) => (c.method === 'rpc' || c.method === 'send' ? 'noreply' : undefined));
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const rpc = settle(client.rpc('x'));
      const send = settle(client.send('y'));
      await vi.advanceTimersByTimeAsync(0);
      fake.server.closeConnection(3001);
      await vi.advanceTimersByTimeAsync(0);
      expect(await rpc).toBeInstanceOf(ConnectionLostError);
      expect(await send).toBeInstanceOf(ConnectionLostError);
    });

    it('resends an unanswered rpc that has an idempotency key, with the same key', async () => {
      const client = fakeClient(fake.server, { random: () => 0 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const off = fake.server.onCommand((c, conn) => {
        if (c.method !== 'rpc') return undefined;
        conn.close(1006); // the handler ran, but the answer never arrived
        return 'noreply';
      });
      const rpc = client.rpc('order', 'tea', { idempotencyKey: 'order-1' });
      await vi.advanceTimersByTimeAsync(0);
      off();
      fake.server.onCommand((c) => (c.method === 'rpc' ? { result: { data: 'receipt' } } : undefined));
      await vi.advanceTimersByTimeAsync(500);
      await expect(rpc).resolves.toBe('receipt');
      expect(fake.server.commands('rpc').map((c) => c.params)).toEqual([
        { method: 'order', data: 'tea', idempotencyKey: 'order-1' },
        { method: 'order', data: 'tea', idempotencyKey: 'order-1' },
      ]);
    });

    it.each(['', 'k'.repeat(65), 7])('refuses the rpc idempotency key %j without sending', async (key) => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      await expect(client.rpc('x', undefined, { idempotencyKey: key as string })).rejects.toThrow(
        /idempotencyKey must be a string of 1-64/,
      );
      expect(fake.server.commands('rpc')).toHaveLength(0);
    });

    it('puts resent publishes ahead of calls queued while offline', async () => {
      const client = fakeClient(fake.server, { random: () => 0 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      const off = fake.server.onCommand((c) => (c.method === 'publish' ? 'noreply' : undefined));
      void client.publish('a:1', 'first');
      await vi.advanceTimersByTimeAsync(0);
      off();
      fake.server.closeConnection(1006);
      await vi.advanceTimersByTimeAsync(0);
      void client.publish('a:1', 'second');
      await vi.advanceTimersByTimeAsync(500);
      expect(fake.server.connections[1]!.commands.map((c) => (c.method === 'publish' ? c.params.data : c.method))).toEqual([
        'connect',
        'first',
        'second',
      ]);
    });

    it('generates a distinct idempotency key per publish call', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await Promise.all([client.publish('a:1', 1), client.publish('a:1', 1)]);
      const [a, b] = fake.server.commands('publish');
      expect(a!.params.idempotencyKey).toMatch(/^[0-9a-f-]{32,36}$/);
      expect(a!.params.idempotencyKey).not.toBe(b!.params.idempotencyKey);
    });
  });
});
