import { JSON_SUBPROTOCOL, type Push } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { MemoryPresenceStore } from '../memory/memory-presence-store.js';
import { useTestNodes } from '../testkit/test-node.js';
import { PresenceKeeper } from './presence-keeper.js';

const start = useTestNodes();
const namespaces = {
  room: { presence: true, joinLeave: true },
  quiet: { presence: true },
  plain: {},
};
const options = { protocols: JSON_SUBPROTOCOL };
const isJoinLeave = (push: Push): boolean => push.type === 'join' || push.type === 'leave';

describe('presence and join/leave over WebSocket', () => {
  it('lists subscribers with their info and counts them, across presence and presence_stats', async () => {
    const { connect, relais } = await start({ namespaces });
    relais.onConnecting(({ data }) => ({ user: String((data as { user: string }).user), info: { name: 'n' } }));
    const a = await connect(options, { data: { user: 'ann' } });
    const b = await connect(options, { data: { user: 'ann' } });
    const c = await connect(options, { data: { user: 'bob' } });
    for (const x of [a, b, c]) await x.call('subscribe', { channel: 'room:1' });
    const { clients } = await a.call<{ clients: Record<string, unknown> }>('presence', { channel: 'room:1' });
    expect(clients).toEqual({
      [a.id]: { client: a.id, user: 'ann', info: { name: 'n' } },
      [b.id]: { client: b.id, user: 'ann', info: { name: 'n' } },
      [c.id]: { client: c.id, user: 'bob', info: { name: 'n' } },
    });
    expect(await a.call('presence_stats', { channel: 'room:1' })).toEqual({ clients: 3, users: 2 });
    expect(await relais.presenceStats('room:1')).toEqual({ clients: 3, users: 2 });
    expect(Object.keys(await relais.presence('room:1'))).toHaveLength(3);
  });

  it('sends join and leave to subscribers that asked, and to nobody else', async () => {
    const { connect } = await start({ namespaces });
    const watcher = await connect(options);
    const silent = await connect(options);
    await watcher.call('subscribe', { channel: 'room:1', joinLeave: true });
    await silent.call('subscribe', { channel: 'room:1' });
    expect(await watcher.nextPush(isJoinLeave)).toEqual({ type: 'join', channel: 'room:1', info: { client: silent.id, user: '' } });
    const joiner = await connect(options);
    await joiner.call('subscribe', { channel: 'room:1' });
    expect(await watcher.nextPush(isJoinLeave)).toEqual({ type: 'join', channel: 'room:1', info: { client: joiner.id, user: '' } });
    await joiner.call('unsubscribe', { channel: 'room:1' });
    expect(await watcher.nextPush(isJoinLeave)).toEqual({ type: 'leave', channel: 'room:1', info: { client: joiner.id, user: '' } });
    await silent.call('ping');
    expect(silent.pushes.filter(isJoinLeave)).toEqual([]);
  });

  it('removes a connection whose socket died without a close frame, and tells the others', async () => {
    const { connect, relais } = await start({ namespaces });
    const watcher = await connect(options);
    await watcher.call('subscribe', { channel: 'room:1', joinLeave: true });
    const victim = await connect(options);
    await victim.call('subscribe', { channel: 'room:1' });
    expect(await watcher.nextPush(isJoinLeave)).toMatchObject({ type: 'join', info: { client: victim.id } });
    expect(await relais.presenceStats('room:1')).toEqual({ clients: 2, users: 1 });
    victim.ws.terminate(); // destroys the TCP socket: no close frame reaches the server
    expect(await watcher.nextPush(isJoinLeave)).toEqual({ type: 'leave', channel: 'room:1', info: { client: victim.id, user: '' } });
    expect(Object.keys(await relais.presence('room:1'))).toEqual([watcher.id]);
  });

  it('answers 108 where presence or join/leave is off, and 113 to non-subscribers', async () => {
    const { connect, relais } = await start({ namespaces });
    const a = await connect(options);
    expect(await a.command('presence', { channel: 'room:1' })).toMatchObject({ error: { code: 113 } });
    await a.call('subscribe', { channel: 'plain:1' });
    expect(await a.command('presence_stats', { channel: 'plain:1' })).toMatchObject({
      error: { code: 108, message: 'presence is not enabled in this namespace' },
    });
    expect(await a.command('subscribe', { channel: 'quiet:1', joinLeave: true })).toMatchObject({ error: { code: 108 } });
    await expect(relais.presence('plain:1')).rejects.toThrow('presence is not enabled for plain:1');
  });
});

describe('PresenceKeeper', () => {
  afterEach(() => vi.useRealTimers());

  it('refreshes its entries every ttl/3 so they outlive the TTL, and stops when told', async () => {
    vi.useFakeTimers();
    const store = new MemoryPresenceStore({ now: () => Date.now() });
    const keeper = new PresenceKeeper(store, 3_000, silentLogger);
    keeper.start();
    await keeper.join('room:1', { client: 'c1', user: 'u' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(Object.keys(await store.presence('room:1'))).toEqual(['c1']);
    keeper.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await store.presence('room:1')).toEqual({});
  });

  it('removes an entry whose leave ran while its add was in flight', async () => {
    const store = new MemoryPresenceStore();
    const keeper = new PresenceKeeper(store, 60_000, silentLogger);
    const joined = keeper.join('room:1', { client: 'c1', user: 'u' });
    keeper.leave('room:1', 'c1');
    await joined;
    expect(await store.presence('room:1')).toEqual({});
    expect(keeper.size).toBe(0);
  });
});

describe('presence of server-side subscriptions', () => {
  it('lists a channel subscribed by onConnecting under the user the hook returned', async () => {
    const { connect, relais } = await start({ namespaces });
    relais.onConnecting(() => ({ user: 'ann', info: { role: 'admin' }, channels: ['room:1'] }));
    const a = await connect(options);
    expect(await relais.presence('room:1')).toEqual({ [a.id]: { client: a.id, user: 'ann', info: { role: 'admin' } } });
  });
});
