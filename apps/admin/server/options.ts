/**
 * @module admin/server/options
 * The admin dashboard's options (`admin` in the config of `relais serve`): how one logs in
 * (a password, an admin JWT secret, or both), how long a session lasts, how many login attempts
 * an address may make. Without a password nor a secret there is no dashboard.
 */

export interface AdminOptions {
  /** The admin password (at least 12 characters). Env of relais serve: RELAIS_ADMIN_PASSWORD. */
  password?: string;
  /**
   * HMAC secret (at least 32 bytes) of admin tokens: HS256/384/512 JWTs with `aud: "relais-admin"`
   * and an `exp`, whose `sub` names the admin. Env of relais serve: RELAIS_ADMIN_JWT_SECRET.
   */
  jwtSecret?: string;
  /** How long a session lasts after login, in ms (a token's `exp` may end it sooner). @default 3600000 (1 h) */
  sessionTtlMs?: number;
  /** Login attempts one address may make per minute; more are refused with 429. @default 10 */
  loginAttemptsPerMinute?: number;
}

export interface ResolvedAdminOptions {
  readonly password: string | undefined;
  readonly jwtSecret: string | undefined;
  readonly sessionTtlMs: number;
  readonly loginAttemptsPerMinute: number;
}

export const DEFAULT_ADMIN_SESSION_TTL_MS = 3_600_000;
export const DEFAULT_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE = 10;
export const MIN_ADMIN_PASSWORD_LENGTH = 12;
export const MIN_ADMIN_SECRET_BYTES = 32;
/** Longest session: a day. */
export const MAX_ADMIN_SESSION_TTL_MS = 86_400_000;

/** The audience an admin token must carry (so that a connection token is never an admin token). */
export const ADMIN_TOKEN_AUDIENCE = 'relais-admin';

/** The dashboard's options were refused; the message names the option. */
export class AdminOptionsError extends Error {
  override readonly name = 'AdminOptionsError';
}

const fail = (message: string): never => {
  throw new AdminOptionsError(`admin.${message}`);
};

/** Checks the options; throws AdminOptionsError naming the first bad one. */
export function resolveAdminOptions(options: AdminOptions): ResolvedAdminOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new AdminOptionsError('admin must be an object {password, jwtSecret, sessionTtlMs, loginAttemptsPerMinute}');
  const { password, jwtSecret, sessionTtlMs, loginAttemptsPerMinute, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) fail(`${unknown} is not an admin option (password, jwtSecret, sessionTtlMs, loginAttemptsPerMinute)`);
  if (password === undefined && jwtSecret === undefined) fail('password or admin.jwtSecret is needed: without one the dashboard is off');
  if (password !== undefined && (typeof password !== 'string' || [...password].length < MIN_ADMIN_PASSWORD_LENGTH))
    fail(`password must be a string of at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`);
  if (jwtSecret !== undefined && (typeof jwtSecret !== 'string' || Buffer.byteLength(jwtSecret) < MIN_ADMIN_SECRET_BYTES))
    fail(`jwtSecret must be a string of at least ${MIN_ADMIN_SECRET_BYTES} bytes`);
  const ttl = sessionTtlMs ?? DEFAULT_ADMIN_SESSION_TTL_MS;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1_000 || ttl > MAX_ADMIN_SESSION_TTL_MS)
    fail(`sessionTtlMs must be an integer from 1000 to ${MAX_ADMIN_SESSION_TTL_MS} (ms), got ${JSON.stringify(sessionTtlMs)}`);
  const attempts = loginAttemptsPerMinute ?? DEFAULT_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1)
    fail(`loginAttemptsPerMinute must be a positive integer, got ${JSON.stringify(loginAttemptsPerMinute)}`);
  return {
    password: password as string | undefined,
    jwtSecret: jwtSecret as string | undefined,
    sessionTtlMs: ttl as number,
    loginAttemptsPerMinute: attempts as number,
  };
}
