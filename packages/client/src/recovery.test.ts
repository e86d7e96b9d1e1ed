import { describe, expect, it, vi } from 'vitest';
import type { ClientInfo } from '@relais/protocol';
import { NotConnectedError } from './errors.js';
import type { Publication, SubscriptionStateChange } from './subscription.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';

describe('Subscription recovery, history and presence', () => {
  const fake = useFakeServer();

  async function subscribed(options: { recover?: boolean } = {}) {
    const client = fakeClient(fake.server, { random: () => 0 });
    const sub = client.subscribe('room:1', options);
    const pubs = recorder<Publication>();
    const states = recorder<SubscriptionStateChange>();
    sub.on('publication', pubs);
    sub.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    return { client, sub, pubs, states };
  }

  it('delivers the recovered publications before live ones that came in the same message, each once', async () => {
    fake.server.onCommand((c, connection) => {
      if (c.method !== 'subscribe') return undefined;
      if (!c.params.since) return { result: { recoverable: true, offset: 10, epoch: 'e1' } };
      connection.channels.add(c.params.channel);
      // The reply, then the live publications the server held while reading history.
      connection.write(
        {
          id: c.id,
          result: {
            recoverable: true,
            offset: 12,
            epoch: 'e1',
            recovered: true,
            publications: [
              { data: 11, offset: 11 },
              { data: 12, offset: 12 },
            ],
          },
        },
        { type: 'publication', channel: 'room:1', data: 12, offset: 12, epoch: 'e1' },
        { type: 'publication', channel: 'room:1', data: 13, offset: 13, epoch: 'e1' },
        { type: 'publication', channel: 'room:1', data: 'typing' },
      );
      return 'noreply';
    });
    const { sub, pubs, states } = await subscribed();
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe')[1]!.params.since).toEqual({ offset: 10, epoch: 'e1' });
    expect(pubs.values.map((p) => p.data)).toEqual([11, 12, 13, 'typing']);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: true });
    expect(sub.position).toEqual({ offset: 13, epoch: 'e1' });
  });

  it('drops a live publication whose offset was already delivered', async () => {
    fake.server.onCommand((c) => (c.method === 'subscribe' ? { result: { recoverable: true, offset: 0, epoch: 'e1' } } : undefined));
    const { pubs } = await subscribed();
    for (const offset of [1, 2, 2, 1, 3])
      fake.server.sendPush({ type: 'publication', channel: 'room:1', data: offset, offset, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(pubs.values.map((p) => p.data)).toEqual([1, 2, 3]);
  });

  it('reports recovered:false and continues from the new position', async () => {
    fake.server.onCommand((c) => {
      if (c.method !== 'subscribe') return undefined;
      return {
        result: c.params.since
          ? { recoverable: true, offset: 50, epoch: 'e1', recovered: false }
          : { recoverable: true, offset: 3, epoch: 'e1' },
      };
    });
    const { sub, states } = await subscribed();
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: false });
    expect(sub.position).toEqual({ offset: 50, epoch: 'e1' });
  });

  it('does not ask for recovery with recover:false, and then says nothing about it', async () => {
    fake.server.onCommand((c) => (c.method === 'subscribe' ? { result: { recoverable: true, offset: 3, epoch: 'e1' } } : undefined));
    const { states } = await subscribed({ recover: false });
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe').map((c) => c.params.since)).toEqual([undefined, undefined]);
    expect(states.values.at(-1)).toEqual({ state: 'subscribed', previous: 'subscribing' });
  });

  it('reads history, presence and presence stats of its channel', async () => {
    const info: ClientInfo = { client: 'c2', user: 'u2' };
    fake.server.onCommand((c) => {
      if (c.method === 'history') return { result: { publications: [{ data: 'a', offset: 4 }], offset: 4, epoch: 'e1' } };
      if (c.method === 'presence') return { result: { clients: { c2: info } } };
      if (c.method === 'presence_stats') return { result: { clients: 1, users: 1 } };
      return undefined;
    });
    const { sub } = await subscribed();
    expect(await sub.history({ limit: 1, reverse: true, since: { offset: 3, epoch: 'e1' } })).toEqual({
      publications: [{ channel: 'room:1', data: 'a', offset: 4 }],
      offset: 4,
      epoch: 'e1',
    });
    expect(fake.server.commands('history')[0]!.params).toEqual({
      channel: 'room:1',
      limit: 1,
      reverse: true,
      since: { offset: 3, epoch: 'e1' },
    });
    expect(await sub.presence()).toEqual({ c2: info });
    expect(await sub.presenceStats()).toEqual({ clients: 1, users: 1 });
  });

  it('sends an ephemeral publish without idempotency key, and refuses it while not connected', async () => {
    const { client, sub } = await subscribed();
    await sub.publish('typing', { ephemeral: true, event: 'typing' });
    expect(fake.server.commands('publish')[0]!.params).toEqual({ channel: 'room:1', data: 'typing', event: 'typing', ephemeral: true });
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(0);
    await expect(client.publish('room:1', 'late', { ephemeral: true })).rejects.toBeInstanceOf(NotConnectedError);
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('publish')).toHaveLength(1);
  });
});
