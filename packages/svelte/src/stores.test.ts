import { describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { fakeClient } from '../../client/src/testing/index.js';
import { useFakeServer } from '../../client/src/testing/use-fake-server.js';
import { channelStore, connectionState, type ConnectionStateValue } from './index.js';

describe('@relais/svelte', () => {
  const fake = useFakeServer({ nowMs: 0 });

  describe('connectionState', () => {
    it('follows the client state, with the reason and next retry time', async () => {
      const client = fakeClient(fake.server, { random: () => 0 });
      const store = connectionState(client);
      const values: ConnectionStateValue[] = [];
      const stop = store.subscribe((v) => values.push(v));
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.closeConnection(3001, 'shutdown');
      await vi.advanceTimersByTimeAsync(0);
      expect(values.map((v) => v.state)).toEqual(['disconnected', 'connecting', 'connected', 'disconnected']);
      expect(values.at(-1)).toMatchObject({ code: 3001, reason: 'shutdown', nextRetryAt: 500 });
      stop();
      client.close();
      expect(values.at(-1)?.state).toBe('disconnected');
    });

    it('starts from the current state for a late subscriber', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(get(connectionState(client)).state).toBe('connected');
    });
  });

  describe('channelStore', () => {
    it('subscribes on the first store subscriber and unsubscribes after the last', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      const store = channelStore(client, 'chat:lobby');
      expect(client.getSubscription('chat:lobby')).toBeUndefined();
      const stopA = store.subscribe(() => {});
      const stopB = store.subscribe(() => {});
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('subscribe')).toHaveLength(1);
      stopA();
      expect(client.getSubscription('chat:lobby')?.state).toBe('subscribed');
      stopB();
      await vi.advanceTimersByTimeAsync(0);
      expect(client.getSubscription('chat:lobby')).toBeUndefined();
      expect(fake.server.commands('unsubscribe')).toHaveLength(1);
    });

    it('keeps the last max publications, oldest first', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      const store = channelStore<number>(client, 'chat:lobby', { max: 3 });
      const stop = store.subscribe(() => {});
      await vi.advanceTimersByTimeAsync(0);
      for (let n = 1; n <= 5; n++) fake.server.sendPush({ type: 'publication', channel: 'chat:lobby', data: n });
      await vi.advanceTimersByTimeAsync(0);
      expect(get(store).map((p) => p.data)).toEqual([3, 4, 5]);
      stop();
    });

    it('publishes through the client and sees its own publication', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      const store = channelStore<{ text: string }>(client, 'chat:lobby');
      const stop = store.subscribe(() => {});
      await store.publish({ text: 'hi' });
      await vi.advanceTimersByTimeAsync(0);
      expect(get(store).map((p) => p.data.text)).toEqual(['hi']);
      stop();
    });

    it('leaves a subscription it did not create alone', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      const sub = client.subscribe('chat:lobby');
      const stop = channelStore(client, 'chat:lobby').subscribe(() => {});
      await vi.advanceTimersByTimeAsync(0);
      stop();
      expect(sub.state).toBe('subscribed');
    });

    it('keeps the channel subscribed while another store of the same channel is active', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      const first = channelStore<number>(client, 'chat:lobby');
      const second = channelStore<number>(client, 'chat:lobby', { max: 1 });
      const stopFirst = first.subscribe(() => {});
      const stopSecond = second.subscribe(() => {});
      await vi.advanceTimersByTimeAsync(0);
      stopFirst();
      fake.server.sendPush({ type: 'publication', channel: 'chat:lobby', data: 1 });
      await vi.advanceTimersByTimeAsync(0);
      expect(get(second).map((p) => p.data)).toEqual([1]);
      stopSecond();
      expect(client.getSubscription('chat:lobby')).toBeUndefined();
    });

    it('rejects a max below 1', () => {
      const client = fakeClient(fake.server);
      expect(() => channelStore(client, 'chat:lobby', { max: 0 })).toThrow(RangeError);
    });
  });
});
