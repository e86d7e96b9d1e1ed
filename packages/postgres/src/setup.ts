/**
 * @module setup
 * What the feed needs from the database before it streams, checked (and created, with
 * `createIfMissing`) over an ordinary connection: wal_level=logical, the publication covering the
 * configured tables, the pgoutput slot; and the columns of every table, for filters.
 */
import type pg from 'pg';
import { PostgresFeedError } from './errors.js';

export interface TableName {
  schema: string;
  table: string;
}

export interface TableColumn {
  name: string;
  typeOid: number;
}

/** A configured table as the database describes it. */
export interface TableInfo extends TableName {
  columns: TableColumn[];
  /** `d` default (primary key), `n` nothing, `f` full, `i` index. */
  replicaIdentity: string;
}

/** `todos` → public.todos, `app.todos` → app.todos. Names with a `.` of their own are not supported. */
export function parseTableName(text: string): TableName {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new PostgresFeedError(`table ${JSON.stringify(text)} must be "table" or "schema.table"`);
  }
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema: 'public', table: parts[0]! };
}

export const tableKey = ({ schema, table }: TableName): string => `${schema}.${table}`;

const ident = (text: string): string => `"${text.replaceAll('"', '""')}"`;
const qualified = (name: TableName): string => `${ident(name.schema)}.${ident(name.table)}`;

export async function checkWalLevel(db: pg.ClientBase): Promise<void> {
  const { rows } = await db.query<{ wal_level: string }>('SHOW wal_level');
  const level = rows[0]?.wal_level;
  if (level !== 'logical') {
    throw new PostgresFeedError(
      `PostgreSQL has wal_level=${level}; the change feed needs wal_level=logical. ` +
        `Run "ALTER SYSTEM SET wal_level = logical" (or set it in postgresql.conf) and restart PostgreSQL.`,
    );
  }
}

export async function describeTables(db: pg.ClientBase, tables: readonly TableName[]): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  for (const name of tables) {
    const { rows: found } = await db.query<{ oid: number; relreplident: string }>(
      `SELECT c.oid, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
      [name.schema, name.table],
    );
    const relation = found[0];
    if (!relation) throw new PostgresFeedError(`table ${tableKey(name)} does not exist`);
    const { rows } = await db.query<{ attname: string; atttypid: number }>(
      'SELECT attname, atttypid FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
      [relation.oid],
    );
    out.push({
      ...name,
      replicaIdentity: relation.relreplident,
      columns: rows.map((row) => ({ name: row.attname, typeOid: Number(row.atttypid) })),
    });
  }
  return out;
}

/** Makes sure `publication` publishes every table (creating it or adding tables only with `create`). */
export async function ensurePublication(
  db: pg.ClientBase,
  publication: string,
  tables: readonly TableName[],
  create: boolean,
): Promise<void> {
  const { rows: existing } = await db.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [
    publication,
  ]);
  const pub = existing[0];
  if (!pub) {
    if (!create) throw new PostgresFeedError(`publication ${publication} does not exist (set createIfMissing to create it)`);
    await db.query(`CREATE PUBLICATION ${ident(publication)} FOR TABLE ${tables.map(qualified).join(', ')}`);
    return;
  }
  if (pub.puballtables) return;
  const { rows } = await db.query<{ schemaname: string; tablename: string }>(
    'SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1',
    [publication],
  );
  const published = new Set(rows.map((row) => `${row.schemaname}.${row.tablename}`));
  const missing = tables.filter((name) => !published.has(tableKey(name)));
  if (missing.length === 0) return;
  if (!create) {
    throw new PostgresFeedError(
      `publication ${publication} does not publish ${missing.map(tableKey).join(', ')} (set createIfMissing to add them)`,
    );
  }
  await db.query(`ALTER PUBLICATION ${ident(publication)} ADD TABLE ${missing.map(qualified).join(', ')}`);
}

/** Makes sure the logical slot exists with pgoutput; returns whether it was created now. */
export async function ensureSlot(db: pg.ClientBase, slot: string, create: boolean): Promise<boolean> {
  const { rows } = await db.query<{ plugin: string | null; slot_type: string; database: string | null }>(
    'SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const found = rows[0];
  if (found) {
    if (found.slot_type !== 'logical' || found.plugin !== 'pgoutput') {
      throw new PostgresFeedError(
        `replication slot ${slot} exists but is not a logical slot of pgoutput (${found.slot_type}, ${found.plugin})`,
      );
    }
    const { rows: current } = await db.query<{ db: string }>('SELECT current_database() AS db');
    if (found.database !== current[0]?.db) throw new PostgresFeedError(`replication slot ${slot} belongs to database ${found.database}`);
    return false;
  }
  if (!create) throw new PostgresFeedError(`replication slot ${slot} does not exist (set createIfMissing to create it)`);
  await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  return true;
}
