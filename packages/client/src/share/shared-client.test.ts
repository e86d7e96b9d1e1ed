import { describe, expect, it, vi } from 'vitest';
import { ConnectionLostError, InvalidOptionsError, ServerError } from '../errors.js';
import type { Publication } from '../subscription-types.js';
import { FakeChannels, FakeLocks } from '../testing/fake-tabs.js';
import { FAKE_URL, recorder } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import { fakeBrowser } from '../testing/fake-browser.js';
import { SharedClient, shareChannelName } from './shared-client.js';

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('SharedClient', () => {
  const fake = useFakeServer();

  it('opens one connection for three tabs, the first of them leading', async () => {
    const { tab } = fakeBrowser(fake.server);
    const tabs = [tab(), tab(), tab()];
    for (const t of tabs) t.connect();
    await settle();
    expect(fake.server.connections).toHaveLength(1);
    expect(tabs.map((t) => t.isLeader)).toEqual([true, false, false]);
    expect(tabs.map((t) => t.state)).toEqual(['connected', 'connected', 'connected']);
    for (const t of tabs) t.close();
  });

  it('refcounts subscriptions: one subscribe per channel, unsubscribe when the last tab leaves it', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b, c] = [tab(), tab(), tab()];
    for (const t of [a, b, c]) t.connect();
    const subs = [a, b, c].map((t) => t.subscribe('room:1'));
    await settle();
    expect(fake.server.commands('subscribe')).toHaveLength(1);
    expect(a.hub!.refcounts.get('room:1')).toBe(3);
    expect(subs.map((s) => s.state)).toEqual(['subscribed', 'subscribed', 'subscribed']);
    subs[1]!.unsubscribe();
    c.close();
    await settle();
    expect(a.hub!.refcounts.get('room:1')).toBe(1);
    expect(fake.server.commands('unsubscribe')).toHaveLength(0);
    subs[0]!.unsubscribe();
    await settle();
    expect(fake.server.commands('unsubscribe')).toHaveLength(1);
    expect(a.hub!.refcounts.has('room:1')).toBe(false);
    a.close();
    b.close();
  });

  it('delivers each publication to the tabs subscribed to its channel, with their own listeners', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    const inA = recorder<Publication>();
    const inB = recorder<Publication>();
    a.subscribe('room:1').on('publication', inA);
    b.subscribe('room:2').on('publication', inB);
    await settle();
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 'one', offset: 1, epoch: 'e' });
    fake.server.sendPush({ type: 'publication', channel: 'room:2', data: 'two', offset: 1, epoch: 'e' });
    await settle();
    expect(inA.values.map((p) => p.data)).toEqual(['one']);
    expect(inB.values.map((p) => p.data)).toEqual(['two']);
    a.close();
    b.close();
  });

  it('runs calls of any tab on the leader and answers that tab only, errors rebuilt', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    fake.server.onCommand((command) => {
      if (command.method === 'rpc' && command.params.method === 'boom')
        return { error: { code: 103, message: 'permission denied', temporary: false } };
      if (command.method === 'rpc') return { result: { data: { echo: command.params.data } } };
      return undefined;
    });
    await expect(b.rpc('echo', 7)).resolves.toEqual({ echo: 7 });
    const error = await b.rpc('boom').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).serverCode).toBe(103);
    await expect(b.publish('room:1', 1, { idempotencyKey: '' })).rejects.toBeInstanceOf(InvalidOptionsError);
    await b.publish('room:1', { n: 1 });
    expect(fake.server.published).toEqual([{ channel: 'room:1', data: { n: 1 }, idempotencyKey: expect.any(String) }]);
    a.close();
    b.close();
  });

  it('hands over when the leader closes: the next tab connects and resubscribes from the positions', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b, c] = [tab(), tab(), tab()];
    for (const t of [a, b, c]) t.connect();
    const got = { b: recorder<Publication>(), c: recorder<Publication>() };
    b.subscribe('room:1').on('publication', got.b);
    c.subscribe('room:1').on('publication', got.c);
    fake.server.onCommand((command) => {
      if (command.method !== 'subscribe') return undefined;
      fake.server.defaultOutcome(command, fake.server.current!);
      const since = command.params.since;
      // The new leader recovers 2 and 3, missed while no tab held the socket; 2 is sent twice.
      if (since)
        return {
          result: {
            recoverable: true,
            recovered: true,
            offset: 3,
            epoch: 'e',
            publications: [
              { data: 2, offset: 2 },
              { data: 3, offset: 3 },
            ],
          },
        };
      return { result: { recoverable: true, offset: 0, epoch: 'e' } };
    });
    await settle();
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 1, offset: 1, epoch: 'e' });
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 2, offset: 2, epoch: 'e' });
    await settle();
    a.close();
    await settle();
    expect(b.isLeader).toBe(true);
    expect(fake.server.connections.filter((c) => c.open)).toHaveLength(1);
    const resubscribe = fake.server.commands('subscribe').at(-1)!;
    expect(resubscribe.params.since).toEqual({ offset: 2, epoch: 'e' });
    expect(got.b.values.map((p) => p.data)).toEqual([1, 2, 3]);
    expect(got.c.values.map((p) => p.data)).toEqual([1, 2, 3]);
    b.close();
    c.close();
  });

  it('resends a publish in flight to the new leader with the same key, and fails an rpc and an ephemeral publish in flight', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    await settle();
    let held = 0;
    const off = fake.server.onCommand((command) => {
      if (command.method === 'publish' || command.method === 'rpc') {
        held++;
        if (command.method === 'publish') fake.server.defaultOutcome(command, fake.server.current!);
        return 'noreply'; // the leader dies before it can answer
      }
      return undefined;
    });
    const publish = b.publish('room:1', 'x');
    const typing = b.publish('room:1', 'typing', { ephemeral: true });
    const rpc = b.rpc('slow');
    await settle();
    expect(held).toBe(3);
    off();
    a.close();
    await expect(rpc).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(typing).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(publish).resolves.toBeDefined();
    const keys = fake.server.commands('publish').flatMap((c) => (c.params.ephemeral ? [] : [c.params.idempotencyKey]));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(fake.server.published.filter((p) => p.data === 'x')).toHaveLength(1);
    b.close();
  });

  it('resends an rpc in flight that has an idempotency key to the new leader, with the same key', async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    await settle();
    const off = fake.server.onCommand((command) => (command.method === 'rpc' ? 'noreply' : undefined));
    const rpc = b.rpc('order', 'tea', { idempotencyKey: 'order-7' });
    await settle();
    off();
    fake.server.onCommand((command) => (command.method === 'rpc' ? { result: { data: 'receipt' } } : undefined));
    a.close();
    await expect(rpc).resolves.toBe('receipt');
    expect(fake.server.commands('rpc').map((c) => c.params)).toEqual([
      { method: 'order', data: 'tea', idempotencyKey: 'order-7' },
      { method: 'order', data: 'tea', idempotencyKey: 'order-7' },
    ]);
    b.close();
  });

  it('shares nothing without share: each tab connects on its own', async () => {
    const clients = [0, 1].map(
      () => new SharedClient(FAKE_URL, { websocket: fake.server.WebSocket, transports: ['websocket'], window: null, document: null }),
    );
    for (const c of clients) c.connect();
    await settle();
    expect(fake.server.connections).toHaveLength(2);
    expect(clients.every((c) => c.isLeader)).toBe(true);
    for (const c of clients) c.close();
  });

  it('rejects bad options with a precise error', () => {
    const channels = new FakeChannels();
    expect(() => new SharedClient(FAKE_URL, { share: 'yes' as never })).toThrow(/share must be a boolean/);
    vi.stubGlobal('navigator', {}); // a runtime without Web Locks
    expect(() => new SharedClient(FAKE_URL, { share: true, channel: channels.open })).toThrow(/Web Locks/);
    vi.unstubAllGlobals();
    expect(() => new SharedClient(FAKE_URL, { timeoutMs: -1 })).toThrow(InvalidOptionsError);
    const client = new SharedClient(FAKE_URL, { share: true, channel: channels.open, locks: new FakeLocks() });
    expect(() => client.subscribe('room:1', { getToken: () => 't' })).toThrow(/no getToken/);
    expect(() => client.subscribe('')).toThrow(InvalidOptionsError);
  });

  it('names its channel after the URL', () => {
    expect(shareChannelName('ws://a/connection/websocket')).toBe('relais-share:ws://a/connection/websocket');
  });

  it('releases the subscriptions of a tab that crashed without saying bye', async () => {
    const locks = new FakeLocks();
    const channels = new FakeChannels();
    const tabLocks = [locks.forTab(), locks.forTab(), locks.forTab()];
    const opened: ReturnType<typeof channels.open>[] = [];
    const [a, b, c] = tabLocks.map(
      (tabLock) =>
        new SharedClient(FAKE_URL, {
          share: true,
          locks: tabLock,
          channel: (name) => {
            const channel = channels.open(name);
            opened.push(channel);
            return channel;
          },
          websocket: fake.server.WebSocket,
          transports: ['websocket'],
          window: null,
          document: null,
        }),
    ) as [SharedClient, SharedClient, SharedClient];
    for (const t of [a, b, c]) {
      t.subscribe('room:1');
      t.connect();
    }
    await settle();
    expect(a.hub!.refcounts.get('room:1')).toBe(3);
    // Tab c dies: its channel goes silent and the browser drops its locks; no bye is sent.
    opened[2]!.close();
    tabLocks[2]!.crash();
    await settle();
    expect(a.hub!.refcounts.get('room:1')).toBe(2);
    b.close();
    await settle();
    expect(a.hub!.refcounts.get('room:1')).toBe(1);
    expect(fake.server.commands('unsubscribe')).toHaveLength(0);
    a.close();
  });
});
