/**
 * @module cli/admin-config
 * `relais serve` specifics of the admin dashboard: the file's `admin` key, with the password and
 * the token secret also from the environment (RELAIS_ADMIN_PASSWORD, RELAIS_ADMIN_JWT_SECRET) so
 * they stay out of config files; checked by the dashboard's own resolveAdminOptions.
 */
import { resolveAdminOptions, type ResolvedAdminOptions } from '@relais/app-admin/server';
import { UsageError } from './args.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The dashboard's options from the file's `admin` (an object, or false) and the environment;
 * undefined when it is off (no password nor secret anywhere, or `admin: false`). Throws a
 * UsageError naming the bad option.
 */
export function resolveAdminConfig(file: unknown, source: string, env: Env): ResolvedAdminOptions | undefined {
  if (file === false) return undefined;
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file)))
    throw new UsageError(`${source}: admin must be an object {password, jwtSecret, sessionTtlMs, loginAttemptsPerMinute} or false`);
  const options: Record<string, unknown> = { ...(file as Record<string, unknown> | undefined) };
  if (env.RELAIS_ADMIN_PASSWORD) options.password = env.RELAIS_ADMIN_PASSWORD;
  if (env.RELAIS_ADMIN_JWT_SECRET) options.jwtSecret = env.RELAIS_ADMIN_JWT_SECRET;
  if (file === undefined && options.password === undefined && options.jwtSecret === undefined) return undefined;
  try {
    return resolveAdminOptions(options);
  } catch (cause) {
    const from = env.RELAIS_ADMIN_PASSWORD || env.RELAIS_ADMIN_JWT_SECRET ? ' (with RELAIS_ADMIN_* from the environment)' : '';
    throw new UsageError(`${source || 'admin'}: ${(cause as Error).message}${from}`, { cause });
  }
}
