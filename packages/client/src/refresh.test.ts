import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RelaisError } from './errors.js';
import type { SubscriptionStateChange } from './subscription.js';
import { refreshDelayMs } from './refresh.js';
import { FakeServer } from './testing/fake-server.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';

describe('refreshDelayMs', () => {
  it('refreshes marginMs ahead, or halfway when the token is shorter than two margins', () => {
    expect(refreshDelayMs(60_000, 10_000)).toBe(50_000);
    expect(refreshDelayMs(20_000, 10_000)).toBe(10_000);
    expect(refreshDelayMs(5_000, 10_000)).toBe(2_500);
    expect(refreshDelayMs(0, 10_000)).toBe(0);
  });
});

describe('Client token refresh', () => {
  const fake = useFakeServer();
  beforeEach(() => {
    // Heartbeats out of the way: these tests move the clock by minutes.
    fake.server.connectResult = { ...fake.server.connectResult, pingIntervalMs: 3_600_000, expiresInMs: 60_000 };
  });

  function tokens(...values: string[]) {
    let n = 0;
    return vi.fn(async () => values[n++] ?? 'last');
  }

  it('calls getToken and sends refresh marginMs before expiry, then plans the next from the reply', async () => {
    fake.server.onCommand((c) => (c.method === 'refresh' ? { result: { expiresInMs: 120_000 } } : undefined));
    const getToken = tokens('t1', 't2', 't3');
    const client = fakeClient(fake.server, { getToken });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(49_999);
    expect(fake.server.commands('refresh')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.server.commands('refresh').map((c) => c.params.token)).toEqual(['t2']);
    await vi.advanceTimersByTimeAsync(110_000);
    expect(fake.server.commands('refresh').map((c) => c.params.token)).toEqual(['t2', 't3']);
    expect(fake.server.connections).toHaveLength(1);
    expect(client.state).toBe('connected');
  });

  it('uses the refreshed token for the next connect', async () => {
    const client = fakeClient(fake.server, { getToken: tokens('t1', 't2'), random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    fake.server.connectResult = { ...fake.server.connectResult, expiresInMs: undefined };
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('connect').map((c) => c.params.token)).toEqual(['t1', 't2']);
  });

  it('does not refresh a token that does not expire, nor without getToken', async () => {
    fake.server.connectResult = { ...fake.server.connectResult, expiresInMs: undefined };
    const a = fakeClient(fake.server, { getToken: tokens('t1') });
    a.connect();
    const b = fakeClient(new FakeServer(), { token: 'fixed' });
    b.connect();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fake.server.commands('refresh')).toEqual([]);
  });

  it('reports a failing getToken and retries halfway to the deadline', async () => {
    const getToken = vi
      .fn<() => Promise<string>>()
      .mockResolvedValueOnce('t1')
      .mockRejectedValueOnce(new Error('offline'))
      .mockResolvedValue('t3');
    const client = fakeClient(fake.server, { getToken });
    const errors = recorder<RelaisError>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(errors.values.map((e) => e.code)).toEqual(['RELAIS_ERR_TOKEN']);
    expect(fake.server.commands('refresh')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.server.commands('refresh').map((c) => c.params.token)).toEqual(['t3']);
  });

  it('stops at a server without refresh (104) instead of retrying', async () => {
    fake.server.onCommand((c) =>
      c.method === 'refresh' ? { error: { code: 104, message: 'unknown method "refresh"', temporary: false } } : undefined,
    );
    const client = fakeClient(fake.server, { getToken: tokens('t1', 't2', 't3') });
    const errors = recorder<RelaisError>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(fake.server.commands('refresh')).toHaveLength(1);
    expect(errors.values).toHaveLength(1);
  });

  it('stays disconnected when the server refuses the refresh with 3500', async () => {
    fake.server.onCommand((c, connection) => {
      if (c.method !== 'refresh') return undefined;
      connection.close(3500, 'invalid token');
      return 'noreply';
    });
    const client = fakeClient(fake.server, { getToken: tokens('t1', 'bad') });
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(client.state).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fake.server.connections).toHaveLength(1);
  });

  it('cancels the planned refresh when the connection drops', async () => {
    const client = fakeClient(fake.server, { getToken: tokens('t1', 't2'), random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.connectResult = { ...fake.server.connectResult, expiresInMs: undefined };
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fake.server.commands('refresh')).toEqual([]);
  });
});

describe('Subscription token refresh', () => {
  const fake = useFakeServer();
  beforeEach(() => {
    fake.server.connectResult = { ...fake.server.connectResult, pingIntervalMs: 3_600_000 };
  });

  it('sends sub_refresh with a new token before the subscription token expires', async () => {
    fake.server.onCommand((c) => {
      if (c.method === 'subscribe') return { result: { expiresInMs: 30_000 } };
      if (c.method === 'sub_refresh') return { result: { expiresInMs: 30_000 } };
      return undefined;
    });
    let n = 0;
    const getToken = vi.fn(async (channel: string) => `${channel}#${++n}`);
    const client = fakeClient(fake.server);
    client.subscribe('secret:plans', { getToken });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.commands('subscribe')[0]?.params.token).toBe('secret:plans#1');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.server.commands('sub_refresh').map((c) => c.params)).toEqual([{ channel: 'secret:plans', token: 'secret:plans#2' }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.server.commands('sub_refresh')).toHaveLength(2);
  });

  it('subscribes again with a new token when the server ends the subscription with 109', async () => {
    let n = 0;
    const client = fakeClient(fake.server);
    const sub = client.subscribe('secret:plans', { getToken: async () => `tok${++n}` });
    const states = recorder<SubscriptionStateChange>();
    sub.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'unsubscribe', channel: 'secret:plans', code: 109, reason: 'subscription token expired' });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.commands('subscribe').map((c) => c.params.token)).toEqual(['tok1', 'tok2']);
    expect(states.values.map((s) => s.state)).toEqual(['subscribed', 'subscribing', 'subscribed']);
    expect(sub.state).toBe('subscribed');
  });

  it('ends the subscription on an unsubscribe push 109 when it has no getToken', async () => {
    const client = fakeClient(fake.server);
    const sub = client.subscribe('secret:plans', { token: 'fixed' });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'unsubscribe', channel: 'secret:plans', code: 109, reason: 'subscription token expired' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('unsubscribed');
    expect(fake.server.commands('subscribe')).toHaveLength(1);
  });
});
