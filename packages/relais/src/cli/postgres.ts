/**
 * @module cli/postgres
 * The config file's `postgres` key: the change feed of @relais/postgres on the served node.
 * `RELAIS_POSTGRES_URL` overrides its `url`. Unless the config sets the feed's namespace (`pg`),
 * it gets one where clients may not publish and 1,000 changes per channel are kept for 10 min.
 */
import type { NamespaceOptions } from '@relais/server';
import { UsageError } from './args.js';

/** The change namespace the CLI adds when the config does not set it. */
export const DEFAULT_CHANGES_NAMESPACE: NamespaceOptions = { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 600_000 };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Checks the shape of the `postgres` key (the feed checks its values when it starts). With
 * `moodboard` (the mood board runs and adds its own table) `tables` may be left out.
 */
export function resolvePostgresConfig(
  value: unknown,
  source: string,
  env: Env,
  { moodboard = false }: { moodboard?: boolean } = {},
): Record<string, unknown> | undefined {
  if (value === undefined && !env.RELAIS_POSTGRES_URL) return undefined;
  if (value === undefined)
    throw new UsageError('RELAIS_POSTGRES_URL is set but the config file has no postgres key (its tables are needed)');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${source}: postgres must be an object {url, tables, ...}`);
  const config = { ...(value as Record<string, unknown>) };
  if (env.RELAIS_POSTGRES_URL) config.url = env.RELAIS_POSTGRES_URL;
  if (typeof config.url !== 'string' || config.url === '')
    throw new UsageError(`${source}: postgres.url must be a postgres:// URL (or set RELAIS_POSTGRES_URL)`);
  if (moodboard && config.tables === undefined) config.tables = [];
  if (!Array.isArray(config.tables) || (config.tables.length === 0 && !moodboard))
    throw new UsageError(`${source}: postgres.tables must list at least one table`);
  if ('logger' in config) throw new UsageError(`${source}: postgres.logger cannot be set in a config file`);
  return config;
}

/** The node's namespaces with the change namespace added when it is missing. */
export function withChangesNamespace(
  namespaces: Record<string, NamespaceOptions> | undefined,
  name: string,
): Record<string, NamespaceOptions> {
  // Without the option every namespace is open: keep it so with the catch-all entry.
  const base = namespaces ?? { '*': {} };
  return name in base ? base : { ...base, [name]: DEFAULT_CHANGES_NAMESPACE };
}
