/**
 * The SDK's subscribeChanges against a real node running the feed on the real database, over a
 * real WebSocket: the channel it builds is the server's canonical one, rows arrive typed, and a
 * bad filter ends the subscription with the server's reason.
 */
import { Client, type SubscriptionStateChange } from '@relais/client';
import { subscribeChanges, type ChangeSnapshot, type ChangeSubscription, type RowChange } from '@relais/client/changes';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PostgresChanges, type PostgresChangesOptions } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();

async function setup(options: Partial<PostgresChangesOptions> = {}) {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text, done boolean DEFAULT false)`);
  const node = await start({ namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } } });
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    tables: [names.table],
    slot: names.slot,
    publication: names.publication,
    registryTable: names.registry,
    ...options,
  });
  pg.onCleanup(() => changes.close());
  await changes.start();
  const client = new Client(node.url, { websocket: WebSocket as never });
  pg.onCleanup(async () => client.close());
  client.connect();
  return { ...names, client };
}

const next = <Row>(sub: ChangeSubscription<Row>) =>
  new Promise<RowChange<Row>>((resolve) => {
    const off = sub.on('change', (change) => {
      off();
      resolve(change);
    });
  });

describe('subscribeChanges', () => {
  it('receives the filtered changes of a table', async () => {
    const { client, table } = await setup();
    const sub = subscribeChanges<{ id: number; title: string; done: boolean }>(client, {
      table,
      event: 'INSERT',
      filter: { column: 'title', op: 'in', value: ['a,b', 'c'] },
    });
    expect(sub.channel).toBe(`pg:public.${table}:INSERT:title=in.("a,b",c)`);
    await new Promise<void>((resolve) => sub.on('state', ({ state }) => state === 'subscribed' && resolve()));
    const arrived = next(sub);
    await pg.sql(`INSERT INTO "${table}" (id, title) VALUES (1, 'x'), (2, 'a,b')`);
    expect(await arrived).toMatchObject({ event: 'INSERT', table, new: { id: 2, title: 'a,b', done: false } });
  });

  it("accepts Supabase's filter text, and ends with the server's reason on a bad one", async () => {
    const { client, table } = await setup();
    const sub = subscribeChanges(client, { table, filter: 'id=gt.nope' });
    const ended = await new Promise<SubscriptionStateChange>((resolve) =>
      sub.on('state', (change) => change.state === 'unsubscribed' && resolve(change)),
    );
    expect(ended.error).toMatchObject({ serverCode: 107, message: expect.stringContaining('"nope" is not a number') });
  });

  it('refuses options it cannot turn into a channel', () => {
    const client = new Client('ws://127.0.0.1:1', { websocket: WebSocket as never });
    expect(() => subscribeChanges(client, { table: '' })).toThrow('table must be a non-empty string');
    expect(() => subscribeChanges(client, { table: 't', event: 'insert' as never })).toThrow(/event must be/);
    expect(() => subscribeChanges(client, { table: 't', filter: { column: 'id', op: 'like' as never, value: 1 } })).toThrow(/filter.op/);
    client.close();
  });
});

describe('subscribeChanges with snapshot', () => {
  it('delivers the rows matching now, then every later change exactly once, under concurrent writes', { timeout: 120_000 }, async () => {
    const { client, table } = await setup({ maxSnapshotRows: 20_000 });
    const total = 10_000;
    const writer = await pg.connect();
    // Commits without waiting for the disk: as many, as ordered, faster.
    await writer.query('SET synchronous_commit = off');
    let written = 0;
    const writing = (async () => {
      // One transaction per row, committed while the subscriptions start and read their snapshots.
      for (let id = 1; id <= total; id++) {
        await writer.query(`INSERT INTO "${table}" (id, title) VALUES ($1, 'w')`, [id]);
        written = id;
      }
      await writer.query(`INSERT INTO "${table}" (id, title) VALUES ($1, 'end')`, [total + 1]);
    })();
    const watch = (filter: string | undefined, last: number) => {
      const seen: number[] = [];
      let snapshot: ChangeSnapshot | undefined;
      const sub = subscribeChanges<{ id: number }>(client, { table, filter, snapshot: true });
      const done = new Promise<void>((resolve) => {
        sub.on('snapshot', (s) => {
          snapshot = s as ChangeSnapshot;
          for (const row of s.rows) seen.push(row.id);
        });
        sub.on('change', (change) => {
          seen.push(change.new!.id);
          if (change.new!.id === last) resolve();
        });
      });
      return { done, seen, snapshotSize: () => snapshot?.rows.length ?? -1 };
    };
    // Start once some rows are committed, so that the snapshot and the stream both carry some.
    while (written < 2_000) await new Promise((resolve) => setTimeout(resolve, 5));
    const all = watch(undefined, total + 1);
    const some = watch('id=lte.8000', 8_000);
    await Promise.all([writing, all.done, some.done]);
    expect(all.snapshotSize()).toBeGreaterThanOrEqual(2_000);
    expect(all.snapshotSize()).toBeLessThan(total);
    expect([...all.seen].sort((a, b) => a - b)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    expect([...some.seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 8_000 }, (_, i) => i + 1));
  });

  it('refuses a snapshot to a client that did not subscribe with it', async () => {
    const { client, table } = await setup();
    await expect(client.rpc('relais.changes.snapshot', { channel: `pg:public.${table}` })).rejects.toMatchObject({ serverCode: 103 });
  });
});
