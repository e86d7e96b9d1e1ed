import { describe, expect, it, vi } from 'vitest';
import type { StateChange } from './events.js';
import { TokenError } from './errors.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';

describe('Client tokens', () => {
  const fake = useFakeServer();

  function tokenSequence(getToken: string[]) {
    let n = 0;
    return vi.fn(async () => getToken[n++] ?? 'last');
  }

  it('calls getToken before the first connect when no token is given, and reuses it on plain reconnects', async () => {
    const getToken = tokenSequence(['t1', 't2']);
    const client = fakeClient(fake.server, { getToken, random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(fake.server.commands('connect').map((c) => c.params.token)).toEqual(['t1', 't1']);
  });

  it('calls getToken again after close code 3005 (token expired) before reconnecting', async () => {
    const getToken = tokenSequence(['t2']);
    const client = fakeClient(fake.server, { token: 't1', getToken, random: () => 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).not.toHaveBeenCalled();
    fake.server.closeConnection(3005, 'token expired');
    await vi.advanceTimersByTimeAsync(500);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(fake.server.commands('connect').map((c) => c.params.token)).toEqual(['t1', 't2']);
    expect(client.state).toBe('connected');
  });

  it('calls getToken again after a connect reply error 109 and retries', async () => {
    fake.server.onCommand((c) =>
      c.method === 'connect' && c.params.token === 'stale'
        ? { error: { code: 109, message: 'token expired', temporary: false } }
        : undefined,
    );
    const getToken = tokenSequence(['fresh']);
    const client = fakeClient(fake.server, { token: 'stale', getToken, random: () => 0 });
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.values.at(-1)).toMatchObject({ state: 'disconnected', attempt: 0 });
    expect(fake.server.connections[0]!.closed?.by).toBe('client');
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('connect').map((c) => c.params.token)).toEqual(['stale', 'fresh']);
    expect(client.state).toBe('connected');
  });

  it('stops on a permanent connect refusal', async () => {
    fake.server.onCommand((c) =>
      c.method === 'connect' ? { error: { code: 101, message: 'unauthorized', temporary: false } } : undefined,
    );
    const client = fakeClient(fake.server);
    const states = recorder<StateChange>();
    client.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(states.values.at(-1)).toMatchObject({ state: 'disconnected', error: { serverCode: 101 } });
    expect(states.values.at(-1)?.nextRetryAt).toBeUndefined();
    expect(fake.server.connections).toHaveLength(1);
  });

  it('retries with backoff when getToken fails, emitting a TokenError', async () => {
    let fail = true;
    const getToken = vi.fn(async () => {
      if (fail) throw new Error('auth backend down');
      return 'ok';
    });
    const client = fakeClient(fake.server, { getToken, random: () => 0 });
    const errors = recorder<unknown>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('disconnected');
    expect(errors.values[0]).toBeInstanceOf(TokenError);
    expect(fake.server.connections).toHaveLength(0);
    fail = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('connected');
  });
});
