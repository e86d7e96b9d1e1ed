/**
 * Faults of PostgreSQL itself, on a private instance (test/pg-server.ts) so that the shared
 * cluster is never stopped: an immediate stop and restart under writes, and a slot invalidated
 * by `max_slot_wal_keep_size` or dropped.
 */
import type { PublicationPush, Push } from '@relais/protocol';
import type { RelaisOptions } from '@relais/server';
import { useTestNodes, type TestClient } from '@relais/server/testkit';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresChanges, type PostgresChangesOptions, type RowChange } from '../src/index.js';
import { waitFor } from '../../redis/test/redis-helpers.js';
import { PG_SERVER_MISSING, PgServer, type PgServerOptions } from './pg-server.js';

if (PG_SERVER_MISSING) console.warn(PG_SERVER_MISSING);

const start = useTestNodes();
const NODE: RelaisOptions = { namespaces: { pg: { publishAccess: 'nobody', historySize: 10_000, historyTtlMs: 600_000 } } };
const CHANNEL = 'pg:public.items';
/** Each test runs initdb and starts (and restarts) its own server: slower than a test on the shared one. */
const PRIVATE_SERVER_TEST_MS = 60_000;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function server(options?: PgServerOptions): Promise<PgServer> {
  const made = await PgServer.start(options);
  cleanups.push(() => made.remove());
  return made;
}

async function sql(url: string, text: string, params?: unknown[]): Promise<pg.QueryResultRow[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(text, params)).rows;
  } finally {
    await db.end();
  }
}

/** A node whose feed streams `items` of `db`, and a subscriber of every change of it that records them. */
async function subscribed(db: PgServer, options: Partial<PostgresChangesOptions> = {}) {
  const node = await start(NODE);
  const changes = new PostgresChanges(node.relais, {
    url: db.url,
    tables: ['items'],
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 400,
    ...options,
  });
  cleanups.push(() => changes.close());
  await changes.start();
  const client = await node.connect({ autoPong: true });
  await client.call('subscribe', { channel: CHANNEL });
  return { node, changes, client, received: record(client) };
}

/** Every change pushed on CHANNEL, in order, as it arrives. */
function record(client: TestClient): RowChange[] {
  const received: RowChange[] = [];
  const isChange = (push: Push) => push.type === 'publication' && push.channel === CHANNEL;
  void (async () => {
    for (;;) received.push(((await client.nextPush(isChange)) as PublicationPush).data as RowChange);
  })();
  return received;
}

const rowsOf = (received: RowChange[]) => received.filter((change) => change.event === 'INSERT').map((change) => change.new!.id as number);

/**
 * Inserts ids 1..total one transaction each, riding out a server that goes away: reconnects and
 * inserts again (ON CONFLICT DO NOTHING: a commit whose answer was lost is not written twice).
 */
async function write(url: string, total: number, progress: { committed: number }): Promise<void> {
  let db: pg.Client | undefined;
  for (let id = 1; id <= total; id++) {
    for (;;) {
      try {
        if (!db) {
          db = new pg.Client({ connectionString: url });
          db.on('error', () => undefined);
          await db.connect();
        }
        await db.query('INSERT INTO items VALUES ($1) ON CONFLICT DO NOTHING', [id]);
        break;
      } catch {
        await db?.end().catch(() => undefined);
        db = undefined;
        // The server is down or starting: try again shortly (a retry loop, not a wait for the test).
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    progress.committed = id;
  }
  await db?.end();
}

describe.skipIf(PG_SERVER_MISSING !== undefined)('PostgreSQL faults (private instance)', () => {
  it(
    'loses and doubles nothing when PostgreSQL stops at once and restarts under writes',
    async () => {
      const db = await server();
      await sql(db.url, 'CREATE TABLE items (id int PRIMARY KEY)');
      let backoffs = 0;
      const { changes, received } = await subscribed(db, {
        random: () => {
          backoffs++;
          return 0.5;
        },
      });
      const total = 600;
      const progress = { committed: 0 };
      const writing = write(db.url, total, progress);
      await waitFor(() => rowsOf(received).length >= 100, 20_000, '100 changes');
      const before = backoffs;
      await db.kill();
      expect(progress.committed).toBeLessThan(total);
      // Down: the subscriber hears it, and the feed keeps trying with backoff.
      await waitFor(() => received.some((change) => change.event === 'STATUS' && change.status === 'reconnecting'), 10_000, 'a STATUS');
      await waitFor(() => backoffs >= before + 2, 10_000, 'two reconnect attempts');
      expect(changes.feed.state).toBe('reconnecting');
      await db.restart();
      await writing;
      await waitFor(() => rowsOf(received).length >= total, 30_000, `${total} changes`);
      const statuses = received.filter((change) => change.event === 'STATUS').map((change) => change.status);
      expect(statuses).toEqual(['reconnecting', 'live']);
      expect(rowsOf(received)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(await sql(db.url, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: total }]);
      expect(received.some((change) => change.event === 'RESET')).toBe(false);
    },
    PRIVATE_SERVER_TEST_MS,
  );
});

describe.skipIf(PG_SERVER_MISSING !== undefined)('a lost replication slot (private instance)', () => {
  it(
    'tells subscribers with a RESET when max_slot_wal_keep_size invalidated the slot, and streams from a new one',
    async () => {
      // 1 MB segments and 1 MB kept for slots: a few segments of WAL invalidate a slot nobody reads.
      const db = await server({ walSegmentMb: 1, settings: { max_slot_wal_keep_size: '1MB' } });
      await sql(db.url, 'CREATE TABLE items (id int PRIMARY KEY)');
      const { node, changes, received } = await subscribed(db);
      await sql(db.url, 'INSERT INTO items VALUES (1)');
      await waitFor(() => rowsOf(received).length === 1, 10_000, 'the first change');
      await changes.close();
      // While relais does not read the slot, WAL piles up past what the slot may keep.
      let id = 1;
      await waitFor(
        async () => {
          await sql(db.url, 'INSERT INTO items VALUES ($1)', [++id]);
          await sql(db.url, 'SELECT pg_switch_wal()');
          await sql(db.url, 'CHECKPOINT');
          const [slot] = await sql(db.url, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'relais'");
          return slot?.wal_status === 'lost';
        },
        30_000,
        'the slot to be invalidated',
      );
      const again = new PostgresChanges(node.relais, { url: db.url, tables: ['items'], reconnectDelayMs: 50, maxReconnectDelayMs: 400 });
      cleanups.push(() => again.close());
      await again.start();
      await waitFor(() => received.some((change) => change.event === 'RESET'), 10_000, 'a RESET');
      expect(received.find((change) => change.event === 'RESET')).toMatchObject({ table: 'items', reason: 'replication slot relais lost' });
      const [slot] = await sql(db.url, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'relais'");
      expect(slot?.wal_status).not.toBe('lost');
      await sql(db.url, 'INSERT INTO items VALUES (100000)');
      await waitFor(() => rowsOf(received).includes(100_000), 10_000, 'a change through the new slot');
      // The rows written while the slot was lost are missing: the RESET said so, nothing silent.
      expect(rowsOf(received)).toEqual([1, 100_000]);
      expect(received.map((change) => change.event)).toEqual(['INSERT', 'RESET', 'INSERT']);
    },
    PRIVATE_SERVER_TEST_MS,
  );

  it(
    'tells subscribers with a RESET when the slot was dropped while streaming, and recreates it',
    async () => {
      const db = await server();
      await sql(db.url, 'CREATE TABLE items (id int PRIMARY KEY)');
      // Half of 1 s before the first reconnect: time to drop the slot once its walsender is gone.
      const { changes, received } = await subscribed(db, { reconnectDelayMs: 1000, random: () => 0.5 });
      await sql(db.url, 'INSERT INTO items VALUES (1)');
      await waitFor(() => rowsOf(received).length === 1, 10_000, 'the first change');
      await waitFor(
        async () => {
          await sql(db.url, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'relais' AND active");
          const [dropped] = await sql(
            db.url,
            "SELECT count(pg_drop_replication_slot(slot_name))::int AS n FROM pg_replication_slots WHERE slot_name = 'relais' AND NOT active",
          );
          return dropped?.n === 1;
        },
        10_000,
        'the slot to be dropped',
      );
      await sql(db.url, 'INSERT INTO items VALUES (2)');
      await waitFor(() => received.some((change) => change.event === 'RESET'), 10_000, 'a RESET');
      await waitFor(() => changes.feed.state === 'live', 10_000, 'the feed streaming the new slot');
      await sql(db.url, 'INSERT INTO items VALUES (3)');
      await waitFor(() => rowsOf(received).includes(3), 10_000, 'a change through the new slot');
      expect(rowsOf(received)).toEqual([1, 3]);
      expect(received.filter((change) => change.event === 'RESET')).toHaveLength(1);
    },
    PRIVATE_SERVER_TEST_MS,
  );

  it(
    'without createIfMissing, tells subscribers once and streams again when the slot is back',
    async () => {
      const db = await server();
      await sql(db.url, 'CREATE TABLE items (id int PRIMARY KEY)');
      await sql(db.url, 'CREATE TABLE relais_change_channels (channel text PRIMARY KEY, registered_at timestamptz NOT NULL DEFAULT now())');
      await sql(db.url, 'CREATE PUBLICATION relais FOR TABLE items, relais_change_channels');
      await sql(db.url, "SELECT pg_create_logical_replication_slot('relais', 'pgoutput')");
      let backoffs = 0;
      const { changes, received } = await subscribed(db, {
        createIfMissing: false,
        reconnectDelayMs: 200,
        random: () => {
          backoffs++;
          return 0.5;
        },
      });
      await sql(db.url, 'INSERT INTO items VALUES (1)');
      await waitFor(() => rowsOf(received).length === 1, 10_000, 'the first change');
      await waitFor(
        async () => {
          await sql(db.url, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'relais' AND active");
          const [dropped] = await sql(
            db.url,
            "SELECT count(pg_drop_replication_slot(slot_name))::int AS n FROM pg_replication_slots WHERE slot_name = 'relais' AND NOT active",
          );
          return dropped?.n === 1;
        },
        10_000,
        'the slot to be dropped',
      );
      const dropped = backoffs;
      // Several attempts find no slot: one RESET, not one per attempt.
      await waitFor(() => backoffs >= dropped + 3, 10_000, 'three attempts without a slot');
      expect(changes.feed.state).toBe('reconnecting');
      expect(received.filter((change) => change.event === 'RESET')).toHaveLength(1);
      await sql(db.url, "SELECT pg_create_logical_replication_slot('relais', 'pgoutput')");
      await waitFor(() => changes.feed.state === 'live', 10_000, 'the feed streaming the slot made again');
      await sql(db.url, 'INSERT INTO items VALUES (2)');
      await waitFor(() => rowsOf(received).includes(2), 10_000, 'a change through the slot made again');
      expect(received.filter((change) => change.event === 'RESET')).toHaveLength(1);
    },
    PRIVATE_SERVER_TEST_MS,
  );
});
