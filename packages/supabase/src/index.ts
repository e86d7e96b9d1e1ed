/**
 * @module @relais/supabase
 * Supabase Realtime clients (`@supabase/supabase-js`, `@supabase/realtime-js` 2.x) on a relais
 * node: broadcast and presence on relais channels, shared with native clients, and
 * postgres_changes over the change feed of @relais/postgres. Public exports only.
 */
export { mountSupabase, type MountedSupabase, type MountSupabaseOptions, type SupabaseStats } from './mount.js';
export * from './options.js';
export {
  disabledPostgresChanges,
  feedPostgresChanges,
  supabaseChange,
  POSTGRES_CHANGES_DISABLED,
  POSTGRES_CHANGES_SUBSCRIBED,
} from './postgres-changes.js';
export type {
  ChangeChannels,
  PostgresChanges,
  PostgresChangesBinding,
  PostgresChangesEvent,
  PostgresChangesJoin,
  PostgresChangesSystem,
} from './postgres-changes.js';
export { LINK_TRANSPORT_NAME } from './relais-link.js';
export { channelOfTopic, TOPIC_PREFIX } from './topics.js';
export { withSupabaseNamespaces } from './namespaces.js';
export type { RestColumn, RestCondition, RestDb, RestTable, RestTables } from './postgrest/tables.js';
