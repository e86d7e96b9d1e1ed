import { describe, expect, it, vi } from 'vitest';
import type { ClientInfo } from '@relais/protocol';
import { ServerError } from './errors.js';
import type { Publication, Subscription, SubscriptionStateChange } from './subscription.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';

describe('Subscription', () => {
  const fake = useFakeServer();

  function transitions(states: { values: SubscriptionStateChange[] }) {
    return states.values.map((s) => `${s.previous}->${s.state}`);
  }

  it('goes subscribing -> subscribed and sends channel, data, token and joinLeave', async () => {
    const client = fakeClient(fake.server);
    const sub = client.subscribe('room:1', { data: { a: 1 }, token: 'st', joinLeave: true });
    const states = recorder<SubscriptionStateChange>();
    sub.on('state', states);
    expect(sub.state).toBe('subscribing');
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('subscribed');
    expect(transitions(states)).toEqual(['subscribing->subscribed']);
    expect(fake.server.commands('subscribe')[0]!.params).toEqual({ channel: 'room:1', data: { a: 1 }, token: 'st', joinLeave: true });
  });

  it('delivers publications, join and leave to their subscription only', async () => {
    const client = fakeClient(fake.server);
    const sub = client.subscribe<{ text: string }>('room:1');
    const other = client.subscribe('room:2');
    const pubs = recorder<Publication<{ text: string }>>();
    const joins = recorder<ClientInfo>();
    const leaves = recorder<ClientInfo>();
    const otherPubs = recorder<unknown>();
    sub.on('publication', pubs);
    sub.on('join', joins);
    sub.on('leave', leaves);
    other.on('publication', otherPubs);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    const info = { client: 'c9', user: 'u9' };
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: { text: 'hi' }, event: 'message', offset: 3, info });
    fake.server.sendPush({ type: 'join', channel: 'room:1', info });
    fake.server.sendPush({ type: 'leave', channel: 'room:1', info });
    await vi.advanceTimersByTimeAsync(0);
    expect(pubs.values).toEqual([{ channel: 'room:1', data: { text: 'hi' }, event: 'message', offset: 3, info }]);
    expect(joins.values).toEqual([info]);
    expect(leaves.values).toEqual([info]);
    expect(otherPubs.values).toEqual([]);
  });

  it('resubscribes every subscription after a reconnect', async () => {
    const client = fakeClient(fake.server, { random: () => 0 });
    const a = client.subscribe('room:a');
    const b = client.subscribe('room:b');
    const states = recorder<SubscriptionStateChange>();
    a.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.state).toBe('subscribing');
    await vi.advanceTimersByTimeAsync(500);
    expect([a.state, b.state]).toEqual(['subscribed', 'subscribed']);
    expect(fake.server.connections[1]!.commands.map((c) => (c.method === 'subscribe' ? c.params.channel : c.method))).toEqual([
      'connect',
      'room:a',
      'room:b',
    ]);
    expect(transitions(states)).toEqual(['subscribing->subscribed', 'subscribed->subscribing', 'subscribing->subscribed']);
  });

  it('receives its own publish through the fake server fan-out', async () => {
    const client = fakeClient(fake.server);
    const sub = client.subscribe('room:1');
    const pubs = recorder<Publication>();
    sub.on('publication', pubs);
    client.connect();
    await sub.publish({ text: 'x' }, { event: 'message' });
    await vi.advanceTimersByTimeAsync(0);
    expect(pubs.values.map((p) => p.data)).toEqual([{ text: 'x' }]);
    expect(fake.server.commands('publish')[0]!.params).toMatchObject({ channel: 'room:1', event: 'message' });
  });

  it('unsubscribes: state unsubscribed, unsubscribe sent, no more publications, and can subscribe again', async () => {
    const client = fakeClient(fake.server);
    const sub = client.subscribe('room:1');
    const pubs = recorder<Publication>();
    sub.on('publication', pubs);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    sub.unsubscribe();
    expect(sub.state).toBe('unsubscribed');
    expect(client.getSubscription('room:1')).toBeUndefined();
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.commands('unsubscribe')).toHaveLength(1);
    expect(pubs.values).toEqual([]);
    sub.subscribe();
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('subscribed');
    expect(client.subscribe('room:1')).toBe(sub);
  });

  it('ends with an error event on a permanent subscribe error', async () => {
    fake.server.onCommand((c) =>
      c.method === 'subscribe' ? { error: { code: 103, message: 'permission denied', temporary: false } } : undefined,
    );
    const client = fakeClient(fake.server);
    const sub = client.subscribe('secret:1');
    const errors = recorder<unknown>();
    sub.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(sub.state).toBe('unsubscribed');
    expect(errors.values[0]).toMatchObject({ name: 'ServerError', serverCode: 103 });
    expect(client.getSubscription('secret:1')).toBeUndefined();
  });

  it('retries a temporary subscribe error with backoff', async () => {
    let failures = 1;
    fake.server.onCommand((c) =>
      c.method === 'subscribe' && failures-- > 0 ? { error: { code: 111, message: 'too many requests', temporary: true } } : undefined,
    );
    const client = fakeClient(fake.server, { random: () => 0 });
    const sub = client.subscribe('room:1');
    client.connect();
    await vi.advanceTimersByTimeAsync(499);
    expect(sub.state).toBe('subscribing');
    await vi.advanceTimersByTimeAsync(1);
    expect(sub.state).toBe('subscribed');
    expect(fake.server.commands('subscribe')).toHaveLength(2);
  });

  it('refreshes its token with getToken on error 109 and retries', async () => {
    fake.server.onCommand((c) =>
      c.method === 'subscribe' && c.params.token === 'old'
        ? { error: { code: 109, message: 'token expired', temporary: false } }
        : undefined,
    );
    const client = fakeClient(fake.server);
    const getToken = vi.fn(async (channel: string) => `new-${channel}`);
    const sub = client.subscribe('room:1', { token: 'old', getToken });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(getToken).toHaveBeenCalledWith('room:1');
    expect(sub.state).toBe('subscribed');
    expect(fake.server.commands('subscribe').map((c) => c.params.token)).toEqual(['old', 'new-room:1']);
  });

  it('asks to recover from its last position after a reconnect and emits the missed publications', async () => {
    fake.server.onCommand((c) => {
      if (c.method !== 'subscribe') return undefined;
      if (!c.params.since) return { result: { recoverable: true, offset: 10, epoch: 'e1' } };
      return {
        result: {
          recoverable: true,
          offset: 13,
          epoch: 'e1',
          recovered: true,
          publications: [
            { data: 'm12', offset: 12 },
            { data: 'm13', offset: 13 },
          ],
        },
      };
    });
    const client = fakeClient(fake.server, { random: () => 0 });
    const sub = client.subscribe('room:1');
    const pubs = recorder<Publication>();
    const states = recorder<SubscriptionStateChange>();
    sub.on('publication', pubs);
    sub.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 'm11', offset: 11 });
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe')[1]!.params.since).toEqual({ offset: 11, epoch: 'e1' });
    expect(pubs.values.map((p) => p.data)).toEqual(['m11', 'm12', 'm13']);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: true });
  });

  describe('server-side subscriptions', () => {
    it('creates a Subscription on a subscribe push and emits subscribed on the client', async () => {
      const client = fakeClient(fake.server);
      const created = recorder<Subscription>();
      client.on('subscribed', created);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.sendPush({ type: 'subscribe', channel: 'user:42', data: { x: 1 } });
      await vi.advanceTimersByTimeAsync(0);
      const sub = created.values[0]!;
      expect(sub).toBe(client.getSubscription('user:42'));
      expect(sub).toMatchObject({ channel: 'user:42', serverSide: true, state: 'subscribed', data: { x: 1 } });
      const pubs = recorder<Publication>();
      sub.on('publication', pubs);
      fake.server.sendPush({ type: 'publication', channel: 'user:42', data: 'hello' });
      await vi.advanceTimersByTimeAsync(0);
      expect(pubs.values.map((p) => p.data)).toEqual(['hello']);
    });

    it('removes it on an unsubscribe push and emits unsubscribed with code and reason', async () => {
      const client = fakeClient(fake.server);
      const removed = recorder<{ code?: number; reason: string }>();
      client.on('unsubscribed', removed);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.sendPush({ type: 'subscribe', channel: 'user:42' });
      fake.server.sendPush({ type: 'unsubscribe', channel: 'user:42', code: 2000, reason: 'revoked' });
      await vi.advanceTimersByTimeAsync(0);
      expect(client.getSubscription('user:42')).toBeUndefined();
      expect(removed.values[0]).toMatchObject({ code: 2000, reason: 'revoked' });
    });

    it('takes server-side subscriptions from the connect result and does not resubscribe them itself', async () => {
      fake.server.connectResult = { ...fake.server.connectResult, channels: ['user:42'] };
      const client = fakeClient(fake.server, { random: () => 0 });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(client.getSubscription('user:42')?.state).toBe('subscribed');
      fake.server.closeConnection(3001);
      fake.server.connectResult = { ...fake.server.connectResult, channels: [] };
      await vi.advanceTimersByTimeAsync(500);
      expect(client.getSubscription('user:42')).toBeUndefined();
      expect(fake.server.commands('subscribe')).toHaveLength(0);
    });
  });

  it('rejects an invalid channel name at once', () => {
    const client = fakeClient(fake.server);
    expect(() => client.subscribe('')).toThrow(/channel must not be empty/);
  });

  it('surfaces ServerError for a publish refused by the server', async () => {
    fake.server.onCommand((c) =>
      c.method === 'publish' ? { error: { code: 103, message: 'permission denied', temporary: false } } : undefined,
    );
    const client = fakeClient(fake.server);
    client.connect();
    await expect(client.subscribe('room:1').publish('x')).rejects.toBeInstanceOf(ServerError);
  });
});
