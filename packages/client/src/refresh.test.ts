import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RelaisError } from './errors.js';
import type { SubscriptionStateChange } from './subscription.js';
import { refreshDelayMs } from './refresh.js';
import { FakeServer } from './testing/fake-server.js';
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
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    // Heartbeats out of the way: these tests move the clock by minutes.
    server.connectResult = { ...server.connectResult, pingIntervalMs: 3_600_000, expiresInMs: 60_000 };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function tokens(...values: string[]) {
    let n = 0;
    return vi.fn(async () => values[n++] ?? 'last');
  }

  it('calls getToken and sends refresh marginMs before expiry, then plans the next from the reply', async () => {
    server.onCommand((c) => (c.method === 'refresh' ? { result: { expiresInMs: 120_000 } } : undefined));
    const getToken = tokens('t1', 't2', 't3');
    const client = fakeClient(server, { getToken });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(49_999);
    expect(server.commands('refresh')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.commands('refresh').map((c) => c.params.token)).toEqual(['t2']);
    await vi.advanceTimersByTimeAsync(110_000);
    expect(server.commands('refresh').map((c) => c.params.token)).toEqual(['t2', 't3']);
    expect(server.connections).toHaveLength(1);
    expect(client.state).toBe('connected');
  });

  it('uses the refreshed token for the next connect', async () => {
    const client = fakeClient(server, { getToken: tokens('t1', 't2'), random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    server.connectResult = { ...server.connectResult, expiresInMs: undefined };
    server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    expect(server.commands('connect').map((c) => c.params.token)).toEqual(['t1', 't2']);
  });

  it('does not refresh a token that does not expire, nor without getToken', async () => {
    server.connectResult = { ...server.connectResult, expiresInMs: undefined };
    const a = fakeClient(server, { getToken: tokens('t1') });
    a.connect();
    const b = fakeClient(new FakeServer(), { token: 'fixed' });
    b.connect();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(server.commands('refresh')).toEqual([]);
  });

  it('reports a failing getToken and retries halfway to the deadline', async () => {
    const getToken = vi.fn<() => Promise<string>>().mockResolvedValueOnce('t1').mockRejectedValueOnce(new Error('offline')).mockResolvedValue('t3');
    const client = fakeClient(server, { getToken });
    const errors = recorder<RelaisError>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(errors.values.map((e) => e.code)).toEqual(['RELAIS_ERR_TOKEN']);
    expect(server.commands('refresh')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(server.commands('refresh').map((c) => c.params.token)).toEqual(['t3']);
  });

  it('stops at a server without refresh (104) instead of retrying', async () => {
    server.onCommand((c) => (c.method === 'refresh' ? { error: { code: 104, message: 'unknown method "refresh"', temporary: false } } : undefined));
    const client = fakeClient(server, { getToken: tokens('t1', 't2', 't3') });
    const errors = recorder<RelaisError>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(server.commands('refresh')).toHaveLength(1);
    expect(errors.values).toHaveLength(1);
  });

  it('stays disconnected when the server refuses the refresh with 3500', async () => {
    server.onCommand((c, connection) => {
      if (c.method !== 'refresh') return undefined;
      connection.close(3500, 'invalid token');
      return 'noreply';
    });
    const client = fakeClient(server, { getToken: tokens('t1', 'bad') });
    client.connect();
    await vi.advanceTimersByTimeAsync(50_000);
    expect(client.state).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(server.connections).toHaveLength(1);
  });

  it('cancels the planned refresh when the connection drops', async () => {
    const client = fakeClient(server, { getToken: tokens('t1', 't2'), random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    server.connectResult = { ...server.connectResult, expiresInMs: undefined };
    server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(server.commands('refresh')).toEqual([]);
  });
});

describe('Subscription token refresh', () => {
  let server: FakeServer;
  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    server.connectResult = { ...server.connectResult, pingIntervalMs: 3_600_000 };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends sub_refresh with a new token before the subscription token expires', async () => {
    server.onCommand((c) => {
      if (c.method === 'subscribe') return { result: { expiresInMs: 30_000 } };
      if (c.method === 'sub_refresh') return { result: { expiresInMs: 30_000 } };
      return undefined;
    });
    let n = 0;
    const getToken = vi.fn(async (channel: string) => `${channel}#${++n}`);
    const client = fakeClient(server);
    client.subscribe('secret:plans', { getToken });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.commands('subscribe')[0]?.params.token).toBe('secret:plans#1');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.commands('sub_refresh').map((c) => c.params)).toEqual([{ channel: 'secret:plans', token: 'secret:plans#2' }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.commands('sub_refresh')).toHaveLength(2);
  });

  it('subscribes again with a new token when the server ends the subscription with 109', async () => {
    let n = 0;
    const client = fakeClient(server);
    const sub = client.subscribe('secret:plans', { getToken: async () => `tok${++n}` });
    const states = recorder<SubscriptionStateChange>();
    sub.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    server.sendPush({ type: 'unsubscribe', channel: 'secret:plans', code: 109, reason: 'subscription token expired' });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.commands('subscribe').map((c) => c.params.token)).toEqual(['tok1', 'tok2']);
    expect(states.values.map((s) => s.state)).toEqual(['subscribed', 'subscribing', 'subscribed']);
    expect(sub.state).toBe('subscribed');
  });

  it('ends the subscription on an unsubscribe push 109 when it has no getToken', async () => {
    const client = fakeClient(server);
    const sub = client.subscribe('secret:plans', { token: 'fixed' });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    server.sendPush({ type: 'unsubscribe', channel: 'secret:plans', code: 109, reason: 'subscription token expired' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('unsubscribed');
    expect(server.commands('subscribe')).toHaveLength(1);
  });
});
