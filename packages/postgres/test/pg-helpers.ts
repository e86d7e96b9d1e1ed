/**
 * @module test/pg-helpers
 * Integration tests on the real PostgreSQL at DATABASE_URL (default: the local one): unique
 * table, slot and publication names per test, and a cleanup after each test that stops the
 * feeds, ends connections and drops what the test made (a slot left behind keeps WAL forever).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach } from 'vitest';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Names {
  table: string;
  registry: string;
  slot: string;
  publication: string;
}

export interface PgTest {
  /** Names unique to this test: `table` and `registry` (in public), `slot`, `publication`. */
  names(): Names;
  /** Runs SQL on a shared connection. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** A connection of its own (closed after the test), e.g. for a transaction. */
  connect(): Promise<pg.Client>;
  /** Runs `close` (a feed's) before the database cleanup. */
  onCleanup(close: () => Promise<void>): void;
}

export function usePostgres(): PgTest {
  let db: pg.Client | undefined;
  let clients: pg.Client[] = [];
  let made: Names[] = [];
  let closers: (() => Promise<void>)[] = [];

  const shared = async (): Promise<pg.Client> => {
    if (!db) {
      db = new pg.Client({ connectionString: DATABASE_URL });
      await db.connect();
    }
    return db;
  };

  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    await Promise.all(clients.map((client) => client.end()));
    if (db) {
      for (const { table, registry, slot, publication } of made) {
        await db.query(
          'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
          [slot],
        );
        // A terminated walsender releases its slot asynchronously: drop once it is inactive.
        for (let attempt = 0; attempt < 100; attempt++) {
          const rows = (await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows;
          if (rows.length === 0) break;
          if (!rows[0]!.active) {
            await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await db.query(`DROP PUBLICATION IF EXISTS "${publication}"`);
        await db.query(`DROP TABLE IF EXISTS "${table}", "${registry}"`);
      }
      await db.end();
    }
    db = undefined;
    clients = [];
    made = [];
    closers = [];
  });

  return {
    names() {
      const id = randomBytes(5).toString('hex');
      const names = { table: `relais_t_${id}`, registry: `relais_r_${id}`, slot: `relais_s_${id}`, publication: `relais_p_${id}` };
      made.push(names);
      return names;
    },
    async sql(text, params) {
      return (await (await shared()).query(text, params)).rows;
    },
    async connect() {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      clients.push(client);
      await client.connect();
      return client;
    },
    onCleanup(close) {
      closers.push(close);
    },
  };
}
