import { beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import type { ClientInfo } from '@relais/client';
import { fakeClient } from '../../client/src/testing/index.js';
import { useFakeServer } from '../../client/src/testing/use-fake-server.js';
import { channelStore, mergePresence, presenceStore, type PresenceValue } from './index.js';

const ann: ClientInfo = { client: 'c1', user: 'ann' };
const ann2: ClientInfo = { client: 'c2', user: 'ann' };
const bob: ClientInfo = { client: 'c3', user: 'bob' };

describe('mergePresence', () => {
  it('applies joins and leaves in order on top of a snapshot that may already hold them', () => {
    expect(
      mergePresence({ c1: ann }, [
        { type: 'join', info: ann },
        { type: 'join', info: bob },
      ]),
    ).toEqual({ c1: ann, c3: bob });
    expect(
      mergePresence({ c1: ann, c3: bob }, [
        { type: 'leave', info: bob },
        { type: 'leave', info: bob },
      ]),
    ).toEqual({ c1: ann });
    expect(
      mergePresence({}, [
        { type: 'join', info: bob },
        { type: 'leave', info: bob },
      ]),
    ).toEqual({});
  });
});

describe('presenceStore', () => {
  const fake = useFakeServer({ nowMs: 0 });
  let present: Record<string, ClientInfo>;
  beforeEach(() => {
    present = { c1: ann };
    fake.server.onCommand((c) => (c.method === 'presence' ? { result: { clients: { ...present } } } : undefined));
  });

  it('subscribes with joinLeave, loads a snapshot, then follows join and leave', async () => {
    const client = fakeClient(fake.server);
    client.connect();
    const store = presenceStore(client, 'chat:lobby');
    const values: PresenceValue[] = [];
    const stop = store.subscribe((v) => values.push(v));
    expect(values[0]).toEqual({ clients: {}, count: 0, users: 0, ready: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.commands('subscribe')[0]!.params).toEqual({ channel: 'chat:lobby', joinLeave: true });
    expect(get(store)).toEqual({ clients: { c1: ann }, count: 1, users: 1, ready: true });
    fake.server.sendPush({ type: 'join', channel: 'chat:lobby', info: ann2 });
    fake.server.sendPush({ type: 'join', channel: 'chat:lobby', info: bob });
    await vi.advanceTimersByTimeAsync(0);
    expect(get(store)).toMatchObject({ count: 3, users: 2 });
    fake.server.sendPush({ type: 'leave', channel: 'chat:lobby', info: ann2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(Object.keys(get(store).clients)).toEqual(['c1', 'c3']);
    stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.getSubscription('chat:lobby')).toBeUndefined();
  });

  it('keeps a leave that arrives while the snapshot is in flight', async () => {
    const client = fakeClient(fake.server);
    fake.server.onCommand((c, connection) => {
      if (c.method !== 'presence') return undefined;
      // The snapshot was taken with bob present; bob's leave overtakes the reply.
      connection.write({ type: 'leave', channel: 'chat:lobby', info: bob }, { id: c.id, result: { clients: { c1: ann, c3: bob } } });
      return 'noreply';
    });
    client.connect();
    const store = presenceStore(client, 'chat:lobby');
    const stop = store.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(get(store).clients).toEqual({ c1: ann });
    stop();
  });

  it('takes a new snapshot after a reconnect, dropping those who left meanwhile', async () => {
    const client = fakeClient(fake.server, { random: () => 0 });
    client.connect();
    present = { c1: ann, c3: bob };
    const store = presenceStore(client, 'chat:lobby');
    const stop = store.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(get(store).count).toBe(2);
    fake.server.closeConnection(1006);
    present = { c1: ann };
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('presence')).toHaveLength(2);
    expect(get(store).clients).toEqual({ c1: ann });
    stop();
  });

  it('reports a failed snapshot and shares the subscription with a channelStore', async () => {
    const client = fakeClient(fake.server);
    fake.server.onCommand((c) =>
      c.method === 'presence'
        ? { error: { code: 108, message: 'presence is not enabled in this namespace', temporary: false } }
        : undefined,
    );
    client.connect();
    const messages = channelStore(client, 'chat:lobby');
    const stopMessages = messages.subscribe(() => {});
    const stopPresence = presenceStore(client, 'chat:lobby').subscribe(() => {});
    const store = presenceStore(client, 'chat:lobby');
    const stop = store.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(get(store)).toMatchObject({
      ready: false,
      error: expect.objectContaining({ message: expect.stringContaining('presence is not enabled') }),
    });
    expect(fake.server.commands('subscribe')).toHaveLength(1);
    stop();
    stopPresence();
    expect(client.getSubscription('chat:lobby')?.state).toBe('subscribed');
    stopMessages();
    expect(client.getSubscription('chat:lobby')).toBeUndefined();
  });
});
