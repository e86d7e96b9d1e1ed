/**
 * @module @relais/supabase
 * Supabase Realtime clients (`@supabase/supabase-js`, `@supabase/realtime-js` 2.x) on a relais
 * node: broadcast and presence on relais channels, shared with native clients. Public exports only.
 */
export { mountSupabase, type MountedSupabase, type MountSupabaseOptions, type SupabaseStats } from './mount.js';
export * from './options.js';
export { disabledPostgresChanges, POSTGRES_CHANGES_DISABLED } from './postgres-changes.js';
export type { PostgresChanges, PostgresChangesAnswer, PostgresChangesBinding } from './postgres-changes.js';
export { LINK_TRANSPORT_NAME } from './relais-link.js';
export { channelOfTopic, TOPIC_PREFIX } from './topics.js';
export { withSupabaseNamespaces } from './namespaces.js';
