/**
 * @module registry
 * The change channels in use, kept in a table of the database itself (`relais_change_channels`
 * by default) that the publication streams like the data tables. A subscribe to a new channel
 * writes its row; the feed starts routing to the channel when that write comes through the
 * stream, so every change committed after the registration reaches the channel, in WAL order,
 * and a restarted feed routes to every channel from its first change (the table is read before
 * streaming). Deleting a row stops routing to its channel.
 */
import type pg from 'pg';
import { PostgresFeedError } from './errors.js';
import { tableKey, type TableName } from './setup.js';

export const DEFAULT_REGISTRY_TABLE = 'relais_change_channels';

/** The registry's quoted, schema-qualified name. */
export const registryName = (name: TableName): string => `"${name.schema.replaceAll('"', '""')}"."${name.table.replaceAll('"', '""')}"`;

/** Creates the registry table when missing (with `create`); it must have a `channel` text key. */
export async function ensureRegistry(db: pg.ClientBase, name: TableName, create: boolean): Promise<void> {
  if (create) {
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${registryName(name)} (channel text PRIMARY KEY, registered_at timestamptz NOT NULL DEFAULT now())`,
    );
    return;
  }
  const { rows } = await db.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3',
    [name.schema, name.table, 'channel'],
  );
  if (rows.length === 0)
    throw new PostgresFeedError(`channel registry table ${tableKey(name)} does not exist (set createIfMissing to create it)`);
}

export async function readRegistry(db: pg.ClientBase, name: TableName): Promise<string[]> {
  const { rows } = await db.query<{ channel: string }>(`SELECT channel FROM ${registryName(name)} ORDER BY registered_at`);
  return rows.map((row) => row.channel);
}

/**
 * Writes (or touches) a channel's row, so that the stream carries the registration. Once this
 * resolves the registration is committed: every change committed later follows it in the WAL,
 * so whichever node streams the slot routes that change to the channel.
 */
export async function register(db: pg.Pool, name: TableName, channel: string): Promise<void> {
  await db.query(`INSERT INTO ${registryName(name)} (channel) VALUES ($1) ON CONFLICT (channel) DO UPDATE SET registered_at = now()`, [
    channel,
  ]);
}

/** Whether some node streams the slot now. */
export async function slotActive(db: pg.Pool, slot: string): Promise<boolean> {
  const { rows } = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return rows[0]?.active === true;
}
