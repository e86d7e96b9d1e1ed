import { describe, expect, it, vi } from 'vitest';
import { fakeClient } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import type { Publication } from '../subscription-types.js';
import { ShareHub } from './hub.js';
import type { LeaderMessage } from './messages.js';
import { SharedSubscription, type SharedSubscriptionHost } from './shared-subscription.js';

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('ShareHub', () => {
  const fake = useFakeServer();

  it('catches up from history a tab that is behind the shared subscription, for that tab only', async () => {
    fake.server.onCommand((command, connection) => {
      if (command.method === 'subscribe') {
        fake.server.defaultOutcome(command, connection);
        return { result: { recoverable: true, offset: 0, epoch: 'e' } };
      }
      if (command.method === 'history') {
        expect(command.params.since).toEqual({ offset: 2, epoch: 'e' });
        return {
          result: {
            publications: [
              { data: 3, offset: 3 },
              { data: 4, offset: 4 },
            ],
            offset: 4,
            epoch: 'e',
          },
        };
      }
      return undefined;
    });
    const sent: LeaderMessage[] = [];
    const hub = new ShareHub(fakeClient(fake.server), 'leader', (message) => sent.push(message));
    hub.start();
    hub.handle({ type: 'subscribe', tab: 'ahead', channel: 'room:1', options: {} });
    await settle();
    for (const n of [1, 2, 3, 4]) fake.server.sendPush({ type: 'publication', channel: 'room:1', data: n, offset: n, epoch: 'e' });
    await settle();
    sent.length = 0;
    hub.handle({ type: 'subscribe', tab: 'behind', channel: 'room:1', options: {}, since: { offset: 2, epoch: 'e' } });
    await settle();
    expect(fake.server.commands('subscribe')).toHaveLength(1);
    expect(sent).toEqual([
      { type: 'sub-state', channel: 'room:1', state: 'subscribed', position: { offset: 4, epoch: 'e' } },
      { type: 'catch-up', tab: 'behind', channel: 'room:1', done: false },
      {
        type: 'catch-up',
        tab: 'behind',
        channel: 'room:1',
        done: true,
        publications: [expect.objectContaining({ data: 3 }), expect.objectContaining({ data: 4 })],
      },
    ]);
    expect(hub.refcounts.get('room:1')).toBe(2);
    hub.close();
  });
});

describe('SharedSubscription', () => {
  const host = (): SharedSubscriptionHost => ({
    subscribe: () => {},
    unsubscribe: () => {},
    publish: () => Promise.resolve({}),
    call: () => Promise.resolve(undefined),
    listenerError: (error) => {
      throw error;
    },
  });
  const pub = (n: number): LeaderMessage => ({
    type: 'publication',
    channel: 'room:1',
    publication: { channel: 'room:1', data: n, offset: n, epoch: 'e' },
  });

  it('holds live publications back during a catch-up, then delivers missed and held ones once, in order', () => {
    const sub = new SharedSubscription<number>(host(), 'room:1', {});
    const got: number[] = [];
    sub.on('publication', (p: Publication<number>) => got.push(p.data));
    sub.subscribe();
    sub.handle({ type: 'sub-state', channel: 'room:1', state: 'subscribed', position: { offset: 2, epoch: 'e' } });
    sub.handle({ type: 'catch-up', tab: 't', channel: 'room:1', done: false });
    sub.handle(pub(4));
    sub.handle(pub(5));
    sub.handle({
      type: 'catch-up',
      tab: 't',
      channel: 'room:1',
      done: true,
      publications: [3, 4].map((n) => ({ channel: 'room:1', data: n, offset: n })),
    });
    sub.handle(pub(5));
    sub.handle(pub(6));
    expect(got).toEqual([3, 4, 5, 6]);
    expect(sub.position).toEqual({ offset: 6, epoch: 'e' });
  });

  it('drops publications at or below its position, and starts where the shared subscription stands', () => {
    const sub = new SharedSubscription<number>(host(), 'room:1', {});
    const got: number[] = [];
    sub.on('publication', (p: Publication<number>) => got.push(p.data));
    sub.subscribe();
    sub.handle({ type: 'sub-state', channel: 'room:1', state: 'subscribed', position: { offset: 3, epoch: 'e' } });
    for (const n of [2, 3, 4, 4, 5]) sub.handle(pub(n));
    expect(got).toEqual([4, 5]);
  });
});
