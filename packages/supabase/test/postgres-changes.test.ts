import { describe, expect, it, vi } from 'vitest';
import type { RealtimeChannel, RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { PostgresChanges, type PostgresChangesOptions, type TableAccess } from '@relais/postgres';
import { DATABASE_URL, usePostgres } from '../../postgres/test/pg-helpers.js';
import { feedPostgresChanges, POSTGRES_CHANGES_SUBSCRIBED } from '../src/index.js';
import { NAMESPACES, sign, subscribed, useSupabaseNodes, type SupabaseNode } from './harness.js';

const start = useSupabaseNodes();
const pg = usePostgres();

type Row = Record<string, unknown>;
type Change = RealtimePostgresChangesPayload<Row>;
interface System {
  status: string;
  extension: string;
  message: string;
  channel: string;
}

/**
 * A node with the Supabase front-end serving postgres_changes over a feed of a fresh table
 * `(id int primary key, title text, done boolean)`; `$T` in `ddl` is the table.
 */
async function setup(ddl = '', access: Partial<TableAccess> = {}, options: Partial<PostgresChangesOptions> = {}) {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text, done boolean DEFAULT false)`);
  if (ddl) await pg.sql(ddl.replaceAll('$T', `"${names.table}"`));
  const node = await start(
    { namespaces: { ...NAMESPACES, pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 600_000 } } },
    { postgresChanges: feedPostgresChanges({ channelFor: (spec) => changes.channelFor(spec) }) },
  );
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    tables: [{ table: names.table, ...access }],
    slot: names.slot,
    publication: names.publication,
    registryTable: names.registry,
    ...options,
  });
  pg.onCleanup(() => changes.close());
  await changes.start();
  return { ...names, node, changes };
}

/** What a channel received, in order: its `system` messages and its changes. */
function record(channel: RealtimeChannel): {
  seen: Array<['system', System] | ['change', Change]>;
  changes(): Change[];
  systems(): System[];
} {
  const seen: Array<['system', System] | ['change', Change]> = [];
  channel.on('system', {}, (payload: System) => seen.push(['system', payload]));
  return {
    seen,
    changes: () => seen.filter((entry) => entry[0] === 'change').map((entry) => entry[1] as Change),
    systems: () => seen.filter((entry) => entry[0] === 'system').map((entry) => entry[1] as System),
  };
}

function listen(
  node: SupabaseNode,
  name: string,
  filter: { event: '*' | 'INSERT' | 'UPDATE' | 'DELETE'; table: string; filter?: string },
  key?: string,
) {
  const channel = node.client(key).channel(name);
  const log = record(channel);
  channel.on('postgres_changes', { schema: 'public', ...filter }, (payload: Change) => log.seen.push(['change', payload]));
  return { channel, ...log };
}

describe('postgres_changes over the @relais/postgres feed', () => {
  it('delivers INSERT, UPDATE and DELETE to `*` with old records (REPLICA IDENTITY FULL), after the subscribed system message', async () => {
    const { node, table } = await setup('ALTER TABLE $T REPLICA IDENTITY FULL');
    const all = listen(node, 'board', { event: '*', table });
    await subscribed(all.channel);
    await pg.sql(`INSERT INTO "${table}" VALUES (1, 'one', false)`);
    await pg.sql(`UPDATE "${table}" SET done = true WHERE id = 1`);
    await pg.sql(`DELETE FROM "${table}" WHERE id = 1`);
    await vi.waitFor(() => expect(all.changes()).toHaveLength(3));
    expect(all.seen[0]).toEqual([
      'system',
      { status: 'ok', extension: 'postgres_changes', message: POSTGRES_CHANGES_SUBSCRIBED, channel: 'board' },
    ]);
    expect(all.systems()).toHaveLength(1);
    const [inserted, updated, deleted] = all.changes();
    expect(inserted).toEqual({
      schema: 'public',
      table,
      commit_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/) as string,
      eventType: 'INSERT',
      new: { id: 1, title: 'one', done: false },
      old: {},
      errors: null,
    });
    expect(updated).toMatchObject({
      eventType: 'UPDATE',
      new: { id: 1, title: 'one', done: true },
      old: { id: 1, title: 'one', done: false },
    });
    expect(deleted).toMatchObject({ eventType: 'DELETE', new: {}, old: { id: 1, title: 'one', done: true } });
  });

  it('gives each event binding only its event, and a DELETE without REPLICA IDENTITY FULL the key only', async () => {
    const { node, table } = await setup();
    const channel = node.client().channel('events');
    const got: Record<string, Change[]> = { INSERT: [], UPDATE: [], DELETE: [] };
    for (const event of ['INSERT', 'UPDATE', 'DELETE'] as const)
      channel.on('postgres_changes', { event, schema: 'public', table }, (payload: Change) => got[event]!.push(payload));
    await subscribed(channel);
    await pg.sql(`INSERT INTO "${table}" VALUES (1, 'one', false), (2, 'two', false)`);
    await pg.sql(`UPDATE "${table}" SET title = 'uno' WHERE id = 1`);
    await pg.sql(`DELETE FROM "${table}" WHERE id = 2`);
    await vi.waitFor(() => expect(got.DELETE).toHaveLength(1));
    await vi.waitFor(() =>
      expect(got.INSERT!.map((change) => change.new)).toEqual([
        { id: 1, title: 'one', done: false },
        { id: 2, title: 'two', done: false },
      ]),
    );
    expect(got.UPDATE!.map((change) => [change.eventType, change.new, change.old])).toEqual([
      ['UPDATE', { id: 1, title: 'uno', done: false }, {}],
    ]);
    expect(got.DELETE!.map((change) => [change.eventType, change.old])).toEqual([['DELETE', { id: 2 }]]);
  });

  it('applies a filter, and two bindings of one channel each get their own ids', async () => {
    const { node, table } = await setup();
    const channel = node.client().channel('filtered');
    const two: Change[] = [];
    const every: Change[] = [];
    channel.on('postgres_changes', { event: '*', schema: 'public', table, filter: 'id=eq.2' }, (payload: Change) => two.push(payload));
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (payload: Change) => every.push(payload));
    await subscribed(channel);
    await pg.sql(`INSERT INTO "${table}" (id, title) SELECT g, 't' || g FROM generate_series(1, 3) g`);
    await pg.sql(`UPDATE "${table}" SET done = true WHERE id IN (1, 2)`);
    await vi.waitFor(() => expect(two).toHaveLength(2));
    await vi.waitFor(() => expect(every).toHaveLength(3));
    expect(two.map((change) => [change.eventType, (change.new as Row).id])).toEqual([
      ['INSERT', 2],
      ['UPDATE', 2],
    ]);
  });

  it('misses nothing committed right after SUBSCRIBED, even while the registration of its channel is held up', async () => {
    const { node, table, registry } = await setup();
    // The registration of the new channel waits for this lock: SUBSCRIBED must wait with it.
    const locker = await pg.connect();
    await locker.query(`BEGIN; LOCK TABLE "${registry}" IN SHARE MODE`);
    pg.onCleanup(async () => {
      await locker.query('ROLLBACK'); // released even when an assertion failed before the COMMIT
    });
    const all = listen(node, 'early', { event: 'INSERT', table });
    let subscribedYet = false;
    const inserted = new Promise<void>((resolve, reject) => {
      all.channel.subscribe((status) => {
        if (status !== 'SUBSCRIBED') return;
        subscribedYet = true;
        // Committed from the SUBSCRIBED callback: the join reply came after the feed routed the channel.
        pg.sql(`INSERT INTO "${table}" SELECT g, 'x' FROM generate_series(1, 20) g`).then(() => resolve(), reject);
      });
    });
    await vi.waitFor(async () => {
      const rows = await pg.sql<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE relation = $1::regclass AND NOT granted`, [
        registry,
      ]);
      expect(Number(rows[0]!.n)).toBe(1);
    });
    expect(subscribedYet).toBe(false);
    await locker.query('COMMIT');
    await inserted;
    await vi.waitFor(() => expect(all.changes()).toHaveLength(20));
    expect(all.changes().map((change) => (change.new as Row).id)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(all.seen[0]![0]).toBe('system');
  });

  it('says in a system error what it could not subscribe, and the channel lives on', async () => {
    const { node, table } = await setup();
    const channel = node.client().channel('errors');
    const log = record(channel);
    const good: Change[] = [];
    channel.on('postgres_changes', { event: '*', schema: 'public', table: 'no_such_table_here' }, () => undefined);
    channel.on('postgres_changes', { event: '*', schema: 'public', table, filter: 'nope=eq.1' }, () => undefined);
    channel.on('postgres_changes', { event: '*', schema: 'public', table, filter: 'id=like.1' }, () => undefined);
    channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (payload: Change) => good.push(payload));
    await subscribed(channel);
    await vi.waitFor(() => expect(log.systems()).toHaveLength(1));
    const [system] = log.systems();
    expect(system).toMatchObject({ status: 'error', extension: 'postgres_changes', channel: 'errors' });
    expect(system!.message).toMatch(/^Unable to subscribe to changes with given parameters: /);
    expect(system!.message).toContain('table: no_such_table_here]: ');
    expect(system!.message).toContain('not streamed');
    expect(system!.message).toContain('filter: nope=eq.1]: ');
    expect(system!.message).toContain('nope');
    expect(system!.message).toContain('filter: id=like.1]: filter operator "like" is not one of');
    // The binding that could subscribe still gets its changes.
    await pg.sql(`INSERT INTO "${table}" VALUES (5, 'five', false)`);
    await vi.waitFor(() => expect(good.map((change) => (change.new as Row).id)).toEqual([5]));
    // The node ends that change subscription: a system error, and the channel lives on.
    const entries = await node.relais.presence('supabase:errors');
    const listener = Object.values(entries).find((entry) => (entry.info as { supabase?: string }).supabase === 'listener')!;
    expect(node.relais.unsubscribe(listener.client, `pg:public.${table}:INSERT`)).toBe(true);
    await vi.waitFor(() => expect(log.systems()).toHaveLength(2));
    expect(log.systems()[1]!.message).toMatch(new RegExp(`^changes of pg:public\\.${table}:INSERT stopped: .* \\(\\d+\\)$`));
    expect(channel.state).toBe('joined');
  });

  it('tells the channel in a system error when the slot was lost (RESET), then streams on; STATUS changes are not events', async () => {
    const { node, table, changes, slot } = await setup('', {}, { reconnectDelayMs: 400, random: () => 1 });
    const all = listen(node, 'reset', { event: '*', table });
    await subscribed(all.channel);
    await vi.waitFor(() => expect(all.systems()).toHaveLength(1));
    const reconnecting = new Promise<void>((resolve) => changes.feed.onState((state) => state === 'reconnecting' && resolve()));
    await pg.sql('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    await reconnecting;
    // Dropped while the feed waits to reconnect (only an inactive slot can be dropped).
    await vi.waitFor(async () => {
      const [row] = await pg.sql<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      expect(row?.active).toBe(false);
    });
    await pg.sql('SELECT pg_drop_replication_slot($1)', [slot]);
    await new Promise<void>((resolve) =>
      changes.feed.state === 'live' ? resolve() : changes.feed.onState((state) => state === 'live' && resolve()),
    );
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (5)`);
    await vi.waitFor(() => expect(all.changes()).toHaveLength(1));
    expect(
      all.seen.map(([kind, payload]) => (kind === 'system' ? `system ${(payload as System).status}` : (payload as Change).eventType)),
    ).toEqual(['system ok', 'system error', 'INSERT']);
    expect(all.systems()[1]!.message).toBe(
      `changes of public.${table} may have been lost (replication slot ${slot} lost): reload the rows`,
    );
  });

  it("applies the table's access rules once per subscription: authenticated users get changes, the anon key a system error", async () => {
    const { node, table } = await setup('', { subscribe: 'authenticated', rowFilter: 'id=eq.{sub}' });
    const anon = listen(node, 'mine', { event: '*', table, filter: 'id=eq.7' });
    const user = listen(node, 'mine', { event: '*', table, filter: 'id=eq.7' }, await sign({ role: 'authenticated', sub: '7' }));
    const other = listen(node, 'mine', { event: '*', table, filter: 'id=eq.7' }, await sign({ role: 'authenticated', sub: '8' }));
    await Promise.all([subscribed(anon.channel), subscribed(user.channel), subscribed(other.channel)]);
    await pg.sql(`INSERT INTO "${table}" VALUES (7, 'seven', false), (8, 'eight', false)`);
    await vi.waitFor(() => expect(user.changes().map((change) => (change.new as Row).id)).toEqual([7]));
    expect(user.systems()).toMatchObject([{ status: 'ok' }]);
    expect(anon.systems()).toMatchObject([{ status: 'error' }]);
    expect(anon.systems()[0]!.message).toContain(`subscribing to ${table} needs`);
    expect(other.systems()[0]!.message).toContain('must have the filter id=eq.8');
    expect(anon.changes()).toEqual([]);
    expect(other.changes()).toEqual([]);
  });
});
