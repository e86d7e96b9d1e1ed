/**
 * @module cli/auth-config
 * `relais serve` specifics of the `auth` and `allowedOrigins` options: secrets from the
 * environment (so they stay out of config files), and `auth.publicKeyFile` read from disk.
 */
import { UsageError } from './args.js';

type Env = Readonly<Record<string, string | undefined>>;
type ReadText = (path: string) => Promise<string>;

/** Environment variables that set the key source of `auth`, replacing the file's. */
export const AUTH_ENV = {
  RELAIS_AUTH_HMAC_SECRET: 'hmacSecret',
  RELAIS_AUTH_PUBLIC_KEY_FILE: 'publicKeyFile',
  RELAIS_AUTH_JWKS_URL: 'jwksUrl',
} as const;

const KEY_SOURCES = ['hmacSecret', 'publicKey', 'publicKeyFile', 'jwksUrl'];

/**
 * Applies the auth environment variables and reads `auth.publicKeyFile` into `auth.publicKey`.
 * `RELAIS_ALLOWED_ORIGINS` (comma-separated) replaces `allowedOrigins`. Mutates `options`.
 */
export async function applyAuthConfig(options: Record<string, unknown>, env: Env, read: ReadText, source: string): Promise<void> {
  const fromEnv = Object.entries(AUTH_ENV).filter(([name]) => env[name] !== undefined && env[name] !== '');
  if (fromEnv.length > 1) throw new UsageError(`set only one of ${fromEnv.map(([name]) => name).join(', ')}`);
  let auth = options.auth as Record<string, unknown> | undefined;
  if (fromEnv.length === 1) {
    const [name, key] = fromEnv[0]!;
    const rest = Object.fromEntries(Object.entries(auth ?? {}).filter(([k]) => !KEY_SOURCES.includes(k)));
    auth = { ...rest, [key]: env[name] };
  }
  if (auth && typeof auth === 'object' && auth.publicKeyFile !== undefined) {
    const { publicKeyFile, ...rest } = auth;
    if (typeof publicKeyFile !== 'string' || publicKeyFile === '') throw new UsageError(`${source}: auth.publicKeyFile must be a path`);
    let publicKey: string;
    try {
      publicKey = await read(publicKeyFile);
    } catch (cause) {
      throw new UsageError(`cannot read auth.publicKeyFile ${publicKeyFile}: ${(cause as Error).message}`, { cause });
    }
    auth = { ...rest, publicKey };
  }
  if (auth !== undefined) options.auth = auth;
  const origins = env.RELAIS_ALLOWED_ORIGINS;
  if (origins !== undefined && origins.trim() !== '') {
    options.allowedOrigins = origins
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
  }
}
