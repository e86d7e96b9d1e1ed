/**
 * What a SharedClient has of a Client, across tabs: the shared connection's transport, connect
 * result, `connected` and `error` events and stats in every tab; Postgres change subscriptions
 * with each tab's own snapshot; presence counts and onSubscribe data; this tab's subscriptions.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ChangeSnapshot, RowChange } from '../changes/channel.js';
import { SNAPSHOT_METHOD } from '../changes/channel.js';
import type { RelaisError } from '../errors.js';
import { recorder } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import { fakeBrowser } from '../testing/fake-browser.js';

const settle = () => vi.advanceTimersByTimeAsync(0);

type Todo = { id: number };
const insert = (id: number, xid: number): RowChange<Todo> => ({
  schema: 'public',
  table: 'todos',
  event: 'INSERT',
  commitTimestamp: '2026-01-01T00:00:00Z',
  new: { id },
  lsn: '0/1',
  seq: 0,
  xid,
});

describe('SharedClient, as a Client', () => {
  const fake = useFakeServer();

  it("reports the shared connection's transport, connect result and connected event in every tab, late ones too", async () => {
    fake.server.connectResult = { ...fake.server.connectResult, client: 'shared-1' };
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    expect(a.transport).toBeUndefined();
    const connected = [recorder<unknown>(), recorder<unknown>(), recorder<unknown>()];
    a.on('connected', connected[0]!);
    b.on('connected', connected[1]!);
    a.connect();
    b.connect();
    await settle();
    const late = tab();
    late.on('connected', connected[2]!);
    late.connect();
    await settle();
    for (const t of [a, b, late]) {
      expect(t.transport).toBe('websocket');
      expect(t.connectResult).toMatchObject({ client: 'shared-1' });
    }
    expect(connected.map((r) => r.values)).toEqual([
      [{ ...fake.server.connectResult }],
      [{ ...fake.server.connectResult }],
      [fake.server.connectResult],
    ]);
    // A reconnect of the shared connection is a new `connected` in every tab.
    fake.server.connectResult = { ...fake.server.connectResult, client: 'shared-2' };
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(connected.map((r) => r.values.length)).toEqual([2, 2, 2]);
    expect(late.connectResult).toMatchObject({ client: 'shared-2' });
    for (const t of [a, b, late]) t.close();
  });

  it("answers stats() in every tab with the shared connection's counters", async () => {
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    await settle();
    await b.publish('room:1', 'hi');
    const [fromA, fromB] = await Promise.all([a.stats(), b.stats()]);
    expect(fromB).toEqual(fromA);
    expect(fromB).toMatchObject({ reconnects: 0, queuedSends: 0, heldPublications: 0 });
    expect(fromB.messagesOut).toBeGreaterThanOrEqual(2); // connect, publish
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await b.stats()).reconnects).toBe(1);
    a.close();
    b.close();
  });

  it("passes the shared connection's errors to every tab", async () => {
    const { tab } = fakeBrowser(fake.server, {
      getToken: () => {
        throw new Error('no session');
      },
    });
    const [a, b] = [tab(), tab()];
    const errors = [recorder<RelaisError>(), recorder<RelaisError>()];
    a.on('error', errors[0]!);
    b.on('error', errors[1]!);
    a.connect();
    b.connect();
    await settle();
    for (const seen of errors)
      expect(seen.values[0]).toMatchObject({ code: 'RELAIS_ERR_TOKEN', message: expect.stringContaining('no session') });
    a.close();
    b.close();
  });

  it('gives each tab its own change subscription and snapshot; a later tab resubscribes the channel for its snapshot grant', async () => {
    const snapshots: ChangeSnapshot<Todo>[] = [
      { rows: [{ id: 1 }], xmax: 10, xip: [] },
      { rows: [{ id: 1 }, { id: 2 }], xmax: 20, xip: [] },
    ];
    fake.server.onCommand((command) => {
      if (command.method === 'subscribe')
        return { result: { recoverable: true, offset: 2, epoch: 'e', recovered: command.params.since ? true : undefined } };
      if (command.method === 'rpc' && command.params.method === SNAPSHOT_METHOD) return { result: { data: snapshots.shift() } };
      return undefined;
    });
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    const inA = a.subscribeChanges<Todo>({ table: 'todos', snapshot: true });
    const seenA = { rows: recorder<ChangeSnapshot<Todo>>(), changes: recorder<RowChange<Todo>>(), states: recorder<unknown>() };
    inA.on('snapshot', seenA.rows);
    inA.on('change', seenA.changes);
    await settle();
    inA.on('state', seenA.states);
    expect(inA.channel).toBe('pg:public.todos');
    expect(fake.server.commands('subscribe').map((c) => c.params)).toEqual([{ channel: 'pg:public.todos', data: { snapshot: true } }]);
    fake.server.sendPush({ type: 'publication', channel: inA.channel, data: insert(2, 15), offset: 3, epoch: 'e' });
    await settle();

    const inB = b.subscribeChanges<Todo>({ table: 'todos', snapshot: true });
    const seenB = { rows: recorder<ChangeSnapshot<Todo>>(), changes: recorder<RowChange<Todo>>() };
    inB.on('snapshot', seenB.rows);
    inB.on('change', seenB.changes);
    await settle();
    // Subscribed again from where the shared subscription stands, with the snapshot asked for.
    expect(fake.server.commands('unsubscribe')).toHaveLength(1);
    expect(fake.server.commands('subscribe').at(-1)!.params).toEqual({
      channel: 'pg:public.todos',
      data: { snapshot: true },
      since: { offset: 3, epoch: 'e' },
    });
    expect(fake.server.commands('rpc').map((c) => c.params.data)).toEqual([{ channel: inA.channel }, { channel: inA.channel }]);
    fake.server.sendPush({ type: 'publication', channel: inA.channel, data: insert(3, 25), offset: 4, epoch: 'e' });
    await settle();
    expect(seenA.rows.values.map((s) => s.rows)).toEqual([[{ id: 1 }]]);
    expect(seenA.changes.values.map((c) => c.new!.id)).toEqual([2, 3]);
    expect(seenA.states.values).toEqual([]); // the resubscribe is not seen in tab A
    expect(seenB.rows.values.map((s) => s.rows)).toEqual([[{ id: 1 }, { id: 2 }]]);
    expect(seenB.changes.values.map((c) => c.new!.id)).toEqual([3]);
    expect(inB.subscription.position).toEqual({ offset: 4, epoch: 'e' });
    a.close();
    b.close();
  });

  it("lists this tab's subscriptions, and gives presence counts and the onSubscribe data", async () => {
    fake.server.onCommand((command) => {
      if (command.method === 'subscribe') return { result: { data: { welcome: command.params.channel } } };
      if (command.method === 'presence_stats') return { result: { clients: 3, users: 2 } };
      return undefined;
    });
    const { tab } = fakeBrowser(fake.server);
    const [a, b] = [tab(), tab()];
    a.connect();
    b.connect();
    const one = a.subscribe('room:1');
    b.subscribe('room:2');
    const alsoOne = b.subscribe('room:1');
    await settle();
    expect([...a.subscriptions().keys()]).toEqual(['room:1']);
    expect([...b.subscriptions().keys()]).toEqual(['room:2', 'room:1']);
    expect(one.data).toEqual({ welcome: 'room:1' });
    expect(alsoOne.data).toEqual({ welcome: 'room:1' });
    expect(await alsoOne.presenceStats()).toEqual({ clients: 3, users: 2 });
    expect(fake.server.commands('presence_stats').map((c) => c.params)).toEqual([{ channel: 'room:1' }]);
    a.close();
    b.close();
  });

  it('switches debug logging of the Client this tab leads with', async () => {
    const lines: string[] = [];
    const { tab } = fakeBrowser(fake.server, { logger: { debug: (line) => lines.push(line) } });
    const a = tab();
    a.connect();
    await settle();
    expect(lines).toEqual([]);
    a.setDebug(true);
    await a.publish('room:1', 'hi');
    expect(lines.some((line) => line.startsWith('relais: '))).toBe(true);
    a.close();
  });
});
