import { describe, expect, it, vi } from 'vitest';
import type { StateChange } from './events.js';
import { DisconnectedError, HeartbeatTimeoutError, ReconnectExhaustedError, TimeoutError } from './errors.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { FakeEnvironment, fakeClient, recorder } from './testing/helpers.js';

describe('Client reconnection', () => {
  const fake = useFakeServer({ nowMs: 1_000_000 });

  function disconnects(states: { values: StateChange[] }) {
    return states.values.filter((s) => s.state === 'disconnected');
  }

  it('retries on the exact exponential schedule with pinned jitter', async () => {
    fake.server.refuse = { code: 1006, reason: '' };
    const client = fakeClient(fake.server, { random: () => 0.5 });
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    const expected = [750, 1250, 2250, 4250, 8250, 10250, 10250];
    await vi.advanceTimersByTimeAsync(0);
    for (const [attempt, delayMs] of expected.entries()) {
      const last = disconnects(states).at(-1)!;
      expect(last.attempt).toBe(attempt);
      expect(last.nextRetryAt! - Date.now()).toBe(delayMs);
      const before = fake.server.connections.length;
      await vi.advanceTimersByTimeAsync(delayMs - 1);
      expect(fake.server.connections).toHaveLength(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.server.connections).toHaveLength(before + 1);
    }
    client.close();
  });

  it('keeps every delay within [minReconnectDelayMs, min(max, min * factor^(attempt+1))]', async () => {
    fake.server.refuse = { code: 1006, reason: '' };
    for (const random of [() => 0, () => 0.999_999]) {
      const client = fakeClient(fake.server, { random, minReconnectDelayMs: 100, maxReconnectDelayMs: 1000, reconnectFactor: 3 });
      const states = recorder<StateChange>();
      client.on('state', states);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      for (let i = 0; i < 5; i++) {
        const wait = disconnects(states).at(-1)!.nextRetryAt! - Date.now();
        const ceiling = Math.min(1000, 100 * 3 ** (i + 1));
        expect(wait).toBe(random() === 0 ? 100 : ceiling);
        await vi.advanceTimersByTimeAsync(wait);
      }
      client.close();
    }
  });

  it('uses a replaced backoff function', async () => {
    fake.server.refuse = { code: 1006, reason: '' };
    const backoff = vi.fn((attempt: number) => (attempt + 1) * 100);
    const client = fakeClient(fake.server, { backoff });
    client.connect();
    await vi.advanceTimersByTimeAsync(100 + 200 + 300);
    expect(backoff.mock.calls.map(([a]) => a)).toEqual([0, 1, 2, 3]);
    expect(fake.server.connections).toHaveLength(4);
    client.close();
  });

  it('resets the attempt counter after a stable connection, not before', async () => {
    const client = fakeClient(fake.server, { random: () => 0, backoff: undefined, stableConnectionMs: 5000 });
    const attempts = recorder<number | undefined>();
    client.on('state', (s) => s.state === 'disconnected' && attempts(s.attempt));
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(4999);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(5000);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts.values).toEqual([0, 1, 0]);
    client.close();
  });

  it.each([3500, 3501, 3503, 3505, 3506, 4500, 4999])('does not reconnect after terminal code %i', async (code) => {
    const client = fakeClient(fake.server);
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(code, 'go away');
    await vi.advanceTimersByTimeAsync(0);
    const last = states.values.at(-1)!;
    expect(last).toMatchObject({ state: 'disconnected', code, reason: 'go away' });
    expect(last.nextRetryAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.server.connections).toHaveLength(1);
    client.close();
  });

  it('rejects queued calls with DisconnectedError on a terminal code, and connects again on connect()', async () => {
    const client = fakeClient(fake.server);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(0);
    fake.server.refuse = { code: 3500, reason: 'invalid token' };
    const queued = client.rpc('x');
    queued.catch(() => {});
    await vi.advanceTimersByTimeAsync(20_000);
    const error = await queued.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DisconnectedError);
    expect((error as DisconnectedError).disconnectCode).toBe(3500);
    fake.server.refuse = undefined;
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('connected');
    client.close();
  });

  it('reconnects after reconnectable codes: transport 1006, 3000–3499 and 4000–4499', async () => {
    const client = fakeClient(fake.server, { random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    for (const code of [1006, 3001, 3012, 4000, 4499]) {
      fake.server.closeConnection(code);
      await vi.advanceTimersByTimeAsync(500);
      expect(client.state).toBe('connected');
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(fake.server.connections).toHaveLength(6);
    expect(client.stats().reconnects).toBe(5);
    client.close();
  });

  it('gives up after maxReconnectAttempts failed attempts', async () => {
    fake.server.refuse = { code: 1006, reason: '' };
    const client = fakeClient(fake.server, { maxReconnectAttempts: 2, random: () => 0 });
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.server.connections).toHaveLength(3);
    const last = states.values.at(-1)!;
    expect(last.state).toBe('disconnected');
    expect(last.nextRetryAt).toBeUndefined();
    expect(last.error).toBeInstanceOf(ReconnectExhaustedError);
    client.close();
  });

  it('treats a disconnect push like the close it announces', async () => {
    const client = fakeClient(fake.server);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'disconnect', code: 3503, reason: 'banned', reconnect: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('disconnected');
    expect(fake.server.current?.closed?.by).toBe('client');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.server.connections).toHaveLength(1);
  });

  it('gives up a connect attempt after connectTimeoutMs without a connect reply and retries', async () => {
    const off = fake.server.onCommand((c) => (c.method === 'connect' ? 'noreply' : undefined));
    const client = fakeClient(fake.server, { connectTimeoutMs: 3000, random: () => 0 });
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(2999);
    expect(client.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    expect(states.values.at(-1)?.error).toBeInstanceOf(TimeoutError);
    expect(fake.server.connections[0]!.closed?.by).toBe('client');
    off();
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('connected');
    client.close();
  });

  describe('heartbeats', () => {
    it('answers a ping push with a ping command and measures RTT from its reply', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.onCommand((c, conn) => {
        if (c.method !== 'ping') return undefined;
        setTimeout(() => conn.reply(c.id, { result: {} }), 42);
        return 'noreply';
      });
      fake.server.sendPush({ type: 'ping' });
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('ping')).toHaveLength(1);
      expect(client.stats().rttMs).toBeUndefined();
      await vi.advanceTimersByTimeAsync(42);
      expect(client.stats().rttMs).toBe(42);
      client.close();
    });

    it('drops a connection silent for pingIntervalMs + pongTimeoutMs and reconnects', async () => {
      fake.server.connectResult = { ...fake.server.connectResult, pingIntervalMs: 1000, pongTimeoutMs: 500 };
      const client = fakeClient(fake.server, { random: () => 0 });
      const errors = recorder<unknown>();
      client.on('error', errors);
      client.connect();
      await vi.advanceTimersByTimeAsync(1000);
      fake.server.sendPush({ type: 'ping' }); // any frame re-arms the deadline
      await vi.advanceTimersByTimeAsync(1499);
      expect(client.state).toBe('connected');
      await vi.advanceTimersByTimeAsync(1);
      expect(client.state).toBe('disconnected');
      expect(errors.values[0]).toBeInstanceOf(HeartbeatTimeoutError);
      expect(fake.server.connections[0]!.closed?.by).toBe('client');
      await vi.advanceTimersByTimeAsync(500);
      expect(client.state).toBe('connected');
      client.close();
    });
  });

  describe('browser signals', () => {
    it('reconnects at once when the browser comes back online', async () => {
      const env = new FakeEnvironment();
      fake.server.refuse = { code: 1006, reason: '' };
      const client = fakeClient(fake.server, { window: env, document: env, random: () => 0.5 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.refuse = undefined;
      env.fire('online');
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('connected');
      expect(fake.server.connections).toHaveLength(2);
      client.close();
    });

    it('reconnects at once when the tab becomes visible, not when it is hidden', async () => {
      const env = new FakeEnvironment();
      const client = fakeClient(fake.server, { window: env, document: env, random: () => 0.5 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.closeConnection(1006);
      await vi.advanceTimersByTimeAsync(0);
      env.visibilityState = 'hidden';
      env.fire('visibilitychange');
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('disconnected');
      env.visibilityState = 'visible';
      env.fire('visibilitychange');
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('connected');
      client.close();
      expect(env.listenerCount('online') + env.listenerCount('visibilitychange')).toBe(0);
    });

    it('ignores the signals while connected', async () => {
      const env = new FakeEnvironment();
      const client = fakeClient(fake.server, { window: env, document: env });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      env.fire('online');
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.connections).toHaveLength(1);
      client.close();
    });
  });
});
