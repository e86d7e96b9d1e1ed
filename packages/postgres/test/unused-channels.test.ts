/**
 * Forgetting change channels nobody subscribes to any more: their routes and registry rows go,
 * a RESET marks the point in their history, and a later subscribe routes them again; channels
 * subscribed on any node, or registered by a subscribe still in flight, are kept.
 */
import type { PublicationPush, Push } from '@relais/protocol';
import { MemoryBroker, MemoryBus, type RelaisOptions } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { PostgresChanges, type PostgresChangesOptions, type RowChange } from '../src/index.js';
import { waitFor } from '../../redis/test/redis-helpers.js';
import { DATABASE_URL, usePostgres, type Names } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();
const NAMESPACES: RelaisOptions['namespaces'] = { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 600_000 } };

const options = (names: Names, extra: Partial<PostgresChangesOptions> = {}): PostgresChangesOptions => ({
  url: DATABASE_URL,
  tables: [names.table],
  slot: names.slot,
  publication: names.publication,
  registryTable: names.registry,
  idleChannelMs: 0,
  idleSweepIntervalMs: 0,
  // Also how long after its answer a subscribe on this node keeps its channel, and after its
  // registration one on another node does: short, so that the test need not wait long.
  liveTimeoutMs: 100,
  ...extra,
});

async function setup(extra: Partial<PostgresChangesOptions> = {}) {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
  const node = await start({ namespaces: NAMESPACES });
  const changes = new PostgresChanges(node.relais, options(names, extra));
  pg.onCleanup(() => changes.close());
  await changes.start();
  return { ...names, node, changes, channel: `pg:public.${names.table}` };
}

const isPub = (channel: string) => (push: Push) => push.type === 'publication' && push.channel === channel;
const dataOf = (push: Push) => (push as PublicationPush).data as RowChange;

/** Sweeps until one sweep forgets something (a subscribe just answered keeps its channel a moment). */
async function forgetSome(changes: PostgresChanges): Promise<string[]> {
  let forgotten: string[] = [];
  await waitFor(async () => (forgotten = await changes.forgetUnused()).length > 0, 10_000, 'a channel to be forgotten');
  return forgotten;
}

describe('PostgresChanges: unused channels', () => {
  it('forgets a channel nobody subscribes to any more, marks it with a RESET, and routes it again on a new subscribe', async () => {
    const { node, changes, table, registry, channel } = await setup();
    const kept = `${channel}:*:id=gt.0`;
    const dropped = `${channel}:INSERT`;
    const [a, b] = await Promise.all([node.connect(), node.connect()]);
    await a.call('subscribe', { channel: kept });
    await b.call('subscribe', { channel: dropped });
    expect(changes.router.size).toBe(2);
    await b.call('unsubscribe', { channel: dropped });
    await pg.sql(`UPDATE "${registry}" SET registered_at = now() - interval '1 hour'`);

    expect(await forgetSome(changes)).toEqual([dropped]);
    expect(changes.router.channels()).toEqual([kept]);
    expect(await pg.sql(`SELECT channel FROM "${registry}"`)).toEqual([{ channel: kept }]);
    const { publications } = await node.relais.history(dropped);
    expect(publications.at(-1)?.data).toMatchObject({ event: 'RESET', reason: expect.stringContaining('unused') });

    await pg.sql(`INSERT INTO "${table}" VALUES (1)`);
    expect(dataOf(await a.nextPush(isPub(kept)))).toMatchObject({ event: 'INSERT', new: { id: 1 } });
    await b.call('subscribe', { channel: dropped });
    expect(changes.router.size).toBe(2);
    await pg.sql(`INSERT INTO "${table}" VALUES (2)`);
    expect(dataOf(await b.nextPush(isPub(dropped)))).toMatchObject({ event: 'INSERT', new: { id: 2 } });
  });

  it('keeps a channel registered a moment ago by a subscribe that no node counts yet', async () => {
    const { changes, registry, channel } = await setup({ liveTimeoutMs: 60_000 });
    // As another node's subscribe does before it is answered: the row, then (later) the subscriber.
    await pg.sql(`INSERT INTO "${registry}" (channel) VALUES ($1)`, [channel]);
    await waitFor(() => changes.router.has(channel), 10_000, 'the channel to be routed');
    expect(await changes.forgetUnused()).toEqual([]);
    expect(changes.router.has(channel)).toBe(true);
    await pg.sql(`UPDATE "${registry}" SET registered_at = now() - interval '2 minutes'`);
    expect(await changes.forgetUnused()).toEqual([channel]);
  });

  it('keeps a channel subscribed on another node, and forgets it once that subscriber left', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const bus = new MemoryBus();
    const node = () => start({ engine: { broker: new MemoryBroker({ bus }) }, namespaces: NAMESPACES });
    const [a, b] = await Promise.all([node(), node()]);
    const streaming = new PostgresChanges(a.relais, options(names));
    pg.onCleanup(() => streaming.close());
    await streaming.start();
    // Standing by is told apart from a feed that cannot stream within liveTimeoutMs: give it time.
    const standby = new PostgresChanges(b.relais, options(names, { liveTimeoutMs: 5_000 }));
    pg.onCleanup(() => standby.close());
    await standby.start();
    const channel = `pg:public.${names.table}`;
    const client = await b.connect();
    await client.call('subscribe', { channel });
    await pg.sql(`UPDATE "${names.registry}" SET registered_at = now() - interval '1 hour'`);
    expect(await streaming.forgetUnused()).toEqual([]);
    expect(await standby.forgetUnused()).toEqual([]);
    expect(streaming.router.has(channel)).toBe(true);
    await client.call('unsubscribe', { channel });
    expect(await forgetSome(streaming)).toEqual([channel]);
  });

  it('sweeps by itself every idleSweepIntervalMs', async () => {
    const { node, changes, registry, channel } = await setup({ idleSweepIntervalMs: 50 });
    const client = await node.connect();
    await client.call('subscribe', { channel });
    await client.call('unsubscribe', { channel });
    await pg.sql(`UPDATE "${registry}" SET registered_at = now() - interval '1 hour'`);
    await waitFor(() => changes.router.size === 0, 10_000, 'the sweep to forget the channel');
    expect(await pg.sql(`SELECT channel FROM "${registry}"`)).toEqual([]);
  });
});
