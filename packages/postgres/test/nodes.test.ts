/**
 * Two nodes on one slot, in one process sharing a memory engine: one streams, the other stands
 * by; subscribers of either get every change, and when the streaming node stops the other takes
 * the slot over and resumes from it, with nothing lost or doubled.
 */
import type { PublicationPush, Push } from '@relais/protocol';
import { RedisBroker } from '@relais/redis';
import { MemoryBroker, MemoryBus, type Broker } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { PostgresChanges, type PostgresChangesOptions, type RowChange } from '../src/index.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../redis/test/redis-helpers.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();

/** Brokers of one cluster: on a shared memory bus, or on the real Redis. */
const engines: Record<string, () => () => Broker> = {
  memory: () => {
    const bus = new MemoryBus();
    return () => new MemoryBroker({ bus });
  },
  redis: () => {
    const prefix = uniquePrefix('pg-nodes');
    pg.onCleanup(() => deleteKeys(REDIS_URL, prefix));
    return () => new RedisBroker({ urls: [REDIS_URL], prefix });
  },
};

describe.each(Object.keys(engines))('two nodes on one slot (%s engine)', (engine) => {
  it('serves subscribers of the standby node, and it takes over under writes when the streaming node stops', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const broker = engines[engine]!();
    const node = () =>
      start({
        engine: { broker: broker() },
        namespaces: { pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 60_000 } },
      });
    const [a, b] = await Promise.all([node(), node()]);
    const options: PostgresChangesOptions = {
      url: DATABASE_URL,
      tables: [names.table],
      slot: names.slot,
      publication: names.publication,
      registryTable: names.registry,
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 100,
    };
    const streaming = new PostgresChanges(a.relais, options);
    pg.onCleanup(() => streaming.close());
    await streaming.start();
    // A channel in use before the standby starts: its router knows it from the registry.
    const channel = `pg:public.${names.table}`;
    const early = await a.connect();
    await early.call('subscribe', { channel });
    const standby = new PostgresChanges(b.relais, options);
    pg.onCleanup(() => standby.close());
    await standby.start();
    expect(standby.feed.state).not.toBe('live');

    const client = await b.connect();
    await client.call('subscribe', { channel });
    const ids: number[] = [];
    const next = async () => {
      const push = (await client.nextPush((p: Push) => p.type === 'publication' && p.channel === channel)) as PublicationPush;
      ids.push(((push.data as RowChange).new as { id: number }).id);
    };
    await pg.sql(`INSERT INTO "${names.table}" VALUES (1)`);
    await next();

    const writer = await pg.connect();
    await writer.query('SET synchronous_commit = off');
    const total = 300;
    const writing = (async () => {
      for (let id = 2; id <= total; id++) await writer.query(`INSERT INTO "${names.table}" VALUES ($1)`, [id]);
    })();
    while (ids.length < 50) await next();
    const takenOver = new Promise<void>((resolve) => standby.feed.onState((state) => state === 'live' && resolve()));
    await streaming.close();
    await takenOver;
    await writing;
    while (ids.length < total) await next();
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });
});
