import type { RealtimeChannel } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { next, sign, subscribed, useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

/** Resolves once `channel.presenceState()` satisfies `ready` (checked on every sync). */
function synced(channel: RealtimeChannel, ready: (state: Record<string, unknown[]>) => boolean): Promise<Record<string, unknown[]>> {
  return new Promise((resolve) => {
    channel.on('presence', { event: 'sync' }, () => {
      const state = channel.presenceState() as Record<string, unknown[]>;
      if (ready(state)) resolve(state);
    });
  });
}

describe('Supabase presence on relais presence', () => {
  it('syncs, joins and leaves between two clients (track, untrack, presence_ref)', async () => {
    const node = await start();
    const alice = node.client().channel('room1', { config: { presence: { key: 'alice' } } });
    const bob = node.client().channel('room1', { config: { presence: { key: 'bob' } } });
    const bobSeesAlice = synced(bob, (state) => 'alice' in state);
    const joined = next<{ key: string; newPresences: Array<Record<string, unknown>> }>((cb) => bob.on('presence', { event: 'join' }, cb));
    const left = next<{ key: string; leftPresences: unknown[] }>((cb) => bob.on('presence', { event: 'leave' }, cb));
    await subscribed(bob);
    await subscribed(alice);
    expect(await alice.track({ online_at: 'now' })).toBe('ok');

    const join = await joined;
    expect(join.key).toBe('alice');
    expect(join.newPresences).toEqual([{ online_at: 'now', presence_ref: expect.any(String) }]);
    expect((await bobSeesAlice).alice).toEqual([{ online_at: 'now', presence_ref: join.newPresences[0]!.presence_ref }]);

    expect(await alice.untrack()).toBe('ok');
    expect(await left).toMatchObject({ key: 'alice', leftPresences: [{ online_at: 'now' }] });
  });

  it('a client that joins later gets the presence state (presence_state) with every tracked meta', async () => {
    const node = await start();
    const first = node.client().channel('lobby', { config: { presence: { key: 'u1' } } });
    first.on('presence', { event: 'sync' }, () => undefined);
    await subscribed(first);
    await first.track({ n: 1 });
    const late = node.client().channel('lobby');
    const state = synced(late, (current) => 'u1' in current);
    await subscribed(late);
    expect((await state).u1).toEqual([{ n: 1, presence_ref: expect.any(String) }]);
  });

  it('track again replaces the meta (a leave of the old one, a join of the new)', async () => {
    const node = await start();
    const alice = node.client().channel('room2', { config: { presence: { key: 'alice' } } });
    const watcher = node.client().channel('room2');
    const only = (state: Record<string, unknown[]>) => state.alice?.length === 1 && (state.alice[0] as { status?: string }).status;
    const online = synced(watcher, (state) => only(state) === 'online');
    const away = synced(watcher, (state) => only(state) === 'away');
    await subscribed(watcher);
    await subscribed(alice);
    await alice.track({ status: 'online' });
    const before = (await online).alice![0] as { presence_ref: string };
    await alice.track({ status: 'away' });
    const after = (await away).alice![0] as { presence_ref: string };
    expect(after.presence_ref).not.toBe(before.presence_ref);
  });

  it('is shared with native clients: they see Supabase presences, Supabase sees them', async () => {
    const node = await start();
    const native = await node.native();
    await native.call('connect', { token: await sign({ sub: 'native-7', role: 'authenticated', info: { name: 'Ada' } }) });
    await native.call('subscribe', { channel: 'supabase:shared', joinLeave: true });
    const channel = node.client().channel('shared', { config: { presence: { key: 'supa' } } });
    const state = synced(channel, (current) => 'native-7' in current);
    await subscribed(channel);
    expect((await state)['native-7']).toEqual([{ name: 'Ada', user: 'native-7', presence_ref: expect.any(String) }]);

    const join = native.nextPush((push) => push.type === 'join' && (push.info.info as { key?: string } | undefined)?.key === 'supa');
    await channel.track({ mood: 'happy' });
    expect(await join).toMatchObject({
      type: 'join',
      channel: 'supabase:shared',
      info: { info: { supabase: 'presence', key: 'supa', meta: { mood: 'happy' } } },
    });
    const entries = Object.values(await node.relais.presence('supabase:shared'));
    expect(entries.map((entry) => entry.info)).toEqual(
      expect.arrayContaining([{ name: 'Ada' }, { supabase: 'listener' }, { supabase: 'presence', key: 'supa', meta: { mood: 'happy' } }]),
    );
  });

  it('a closed socket leaves: the others get the leave', async () => {
    const node = await start();
    const goner = node.client();
    const alice = goner.channel('room3', { config: { presence: { key: 'alice' } } });
    const bob = node.client().channel('room3');
    const left = next<{ key: string }>((cb) => bob.on('presence', { event: 'leave' }, cb));
    const aliceIn = synced(bob, (state) => 'alice' in state);
    await subscribed(bob);
    await subscribed(alice);
    await alice.track({});
    await aliceIn;
    goner.realtime.disconnect();
    expect((await left).key).toBe('alice');
  });

  it('refuses a track whose payload is not an object', async () => {
    const node = await start();
    const channel = node.client().channel('room4');
    channel.on('presence', { event: 'sync' }, () => undefined);
    await subscribed(channel);
    expect(await channel.track('nope' as never)).toBe('error');
  });

  it('refuses a presence join on a namespace without presence and join/leave, with the reason', async () => {
    const node = await start({ namespaces: { supabase: {} } });
    const channel = node.client().channel('plain');
    channel.on('presence', { event: 'sync' }, () => undefined);
    await expect(subscribed(channel)).rejects.toThrow('CHANNEL_ERROR: join/leave is not enabled in this namespace');
  });
});
