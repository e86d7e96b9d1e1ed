/**
 * @module @relais/postgres
 * The Postgres change feed of relais: row changes of chosen tables, from logical replication
 * (pgoutput), published into channels that clients subscribe to with a table, an event and a
 * filter. See docs/postgres.md.
 * @example
 * import { createRelais } from '@relais/server';
 * import { PostgresChanges } from '@relais/postgres';
 * const relais = createRelais();
 * const changes = new PostgresChanges(relais, { url: 'postgres://postgres@127.0.0.1/app', tables: ['todos'] });
 * await changes.start();
 */
export {
  PostgresChanges,
  DEFAULT_LIVE_TIMEOUT_MS,
  DEFAULT_IDLE_CHANNEL_MS,
  DEFAULT_IDLE_SWEEP_INTERVAL_MS,
  DEFAULT_MAX_CHANNELS,
  DEFAULT_NAMESPACE,
  type PostgresChangesOptions,
} from './postgres-changes.js';
export {
  PostgresFeed,
  DEFAULT_MAX_QUEUED_MESSAGES,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_MESSAGE_PREFIX,
  DEFAULT_PUBLICATION,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_SLOT,
  type ChangeSink,
  type FeedState,
  type PostgresFeedOptions,
} from './feed.js';
export { ChangeRouter, type Publisher } from './router.js';
export { changeChannel, parseChangeChannel, type ChangeEvent, type ChangeSpec } from './channels.js';
export { compileFilter, FilterError, formatFilter, parseFilter, type FilterOp, type FilterSpec } from './filter.js';
export type { RowChange, RowEvent } from './change.js';
export { PostgresFeedError } from './errors.js';
export { decodePgoutput, PgoutputError, type PgoutputMessage } from './decode/pgoutput.js';
export { parseValue, type ValueOptions } from './decode/values.js';
export { formatLsn, parseLsn } from './decode/lsn.js';
export { inSnapshot, type Snapshot } from './snapshot.js';
export { AccessError, type TableAccess } from './access.js';
