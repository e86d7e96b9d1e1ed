/**
 * @module auth/options
 * The `auth` option of a node (how connection and subscription tokens are verified), the
 * `allowedOrigins` option, and their validation.
 */
import { OptionsError, durationMs, isRecord, rejectUnknownKeys } from '../option-checks.js';

export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
export const DEFAULT_CLOCK_TOLERANCE_MS = 0;
/** Shortest HMAC secret accepted, in bytes: HS256 with less is open to brute force. */
export const MIN_HMAC_SECRET_BYTES = 32;

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
export const EC_ALGORITHMS = ['ES256', 'ES384', 'ES512'] as const;
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [...RSA_ALGORITHMS, ...EC_ALGORITHMS, 'EdDSA', 'Ed25519'];

/**
 * How the node verifies JWTs (connection tokens in `connect`/`refresh`, subscription tokens in
 * `subscribe`/`sub_refresh`). Exactly one key source: `hmacSecret`, `publicKey` or `jwksUrl`.
 * @example { hmacSecret: process.env.JWT_SECRET, audience: 'relais', issuer: 'https://auth.example.com' }
 */
export interface AuthOptions {
  /** Shared secret of HS256/384/512 tokens, at least 32 bytes. Env: RELAIS_AUTH_HMAC_SECRET. */
  hmacSecret?: string;
  /** PEM public key (SPKI, RSA / EC / Ed25519) of RS*, PS*, ES* or EdDSA tokens. */
  publicKey?: string;
  /** URL of a JSON Web Key Set; keys are fetched on demand and cached. Env: RELAIS_AUTH_JWKS_URL. */
  jwksUrl?: string;
  /**
   * Accepted `alg` values. @default by key: HS256/384/512 for hmacSecret; the RSA, EC or EdDSA
   * family of publicKey; every asymmetric algorithm for jwksUrl. `none` is never accepted, and
   * HMAC never mixes with public keys (no HS/RS confusion).
   */
  algorithms?: string[];
  /** Required `aud` claim (one of). @default not checked */
  audience?: string | string[];
  /** Required `iss` claim (one of). @default not checked */
  issuer?: string | string[];
  /** Whether a `connect` without token is accepted as anonymous (user ''). @default false */
  allowAnonymous?: boolean;
  /** Whether the upgrade URL's `?token=` is used when `connect` carries none. @default true */
  queryToken?: boolean;
  /** Clock skew tolerated on `exp` and `nbf`, in ms. @default 0 */
  clockToleranceMs?: number;
  /** How long fetched JWKS keys are trusted before a refetch, in ms. @default 600000 */
  jwksCacheMaxAgeMs?: number;
  /** Least time between two JWKS fetches (a token with an unknown `kid` triggers one), in ms. @default 30000 */
  jwksCooldownMs?: number;
  /** Time a JWKS fetch may take, in ms. @default 5000 */
  jwksTimeoutMs?: number;
}

/** AuthOptions with defaults applied. */
export interface ResolvedAuthOptions {
  hmacSecret: string | undefined;
  publicKey: string | undefined;
  jwksUrl: string | undefined;
  algorithms: string[] | undefined;
  audience: string | string[] | undefined;
  issuer: string | string[] | undefined;
  allowAnonymous: boolean;
  queryToken: boolean;
  clockToleranceMs: number;
  jwksCacheMaxAgeMs: number;
  jwksCooldownMs: number;
  jwksTimeoutMs: number;
}

const AUTH_KEYS = new Set([
  'hmacSecret',
  'publicKey',
  'jwksUrl',
  'algorithms',
  'audience',
  'issuer',
  'allowAnonymous',
  'queryToken',
  'clockToleranceMs',
  'jwksCacheMaxAgeMs',
  'jwksCooldownMs',
  'jwksTimeoutMs',
]);

function fail(message: string): never {
  throw new OptionsError(`option auth.${message}`);
}

function stringOrList(name: string, value: unknown): void {
  if (value === undefined) return;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((item) => typeof item !== 'string' || item === '')) {
    fail(`${name} must be a non-empty string or a non-empty array of them`);
  }
}

function duration(name: string, value: unknown, fallback: number, allowZero = false): number {
  return value === undefined ? fallback : durationMs(`auth.${name}`, value, { allowZero });
}

function checkKeySource(auth: Record<string, unknown>): void {
  const sources = ['hmacSecret', 'publicKey', 'jwksUrl'].filter((key) => auth[key] !== undefined);
  if (sources.length !== 1) {
    fail(`needs exactly one of hmacSecret, publicKey, jwksUrl${sources.length > 1 ? `, got ${sources.join(' and ')}` : ''}`);
  }
  const { hmacSecret, publicKey, jwksUrl } = auth;
  if (hmacSecret !== undefined) {
    if (typeof hmacSecret !== 'string') fail('hmacSecret must be a string');
    if (Buffer.byteLength(hmacSecret) < MIN_HMAC_SECRET_BYTES) fail(`hmacSecret must be at least ${MIN_HMAC_SECRET_BYTES} bytes long`);
  }
  if (publicKey !== undefined && (typeof publicKey !== 'string' || !publicKey.includes('-----BEGIN PUBLIC KEY-----'))) {
    fail('publicKey must be a PEM string ("-----BEGIN PUBLIC KEY-----")');
  }
  if (jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof jwksUrl === 'string' ? new URL(jwksUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      fail(`jwksUrl must be an http(s) URL, got ${JSON.stringify(jwksUrl)}`);
  }
}

function checkAlgorithms(auth: Record<string, unknown>): void {
  const { algorithms } = auth;
  if (algorithms === undefined) return;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => typeof a !== 'string')) {
    fail('algorithms must be a non-empty array of strings');
  }
  const hmac = auth.hmacSecret !== undefined;
  for (const alg of algorithms as string[]) {
    const isHmac = (HMAC_ALGORITHMS as readonly string[]).includes(alg);
    if (!isHmac && !ASYMMETRIC_ALGORITHMS.includes(alg)) fail(`algorithms: unsupported algorithm ${JSON.stringify(alg)}`);
    if (hmac && !isHmac) fail(`algorithms: ${alg} cannot be used with hmacSecret`);
    if (!hmac && isHmac) fail(`algorithms: ${alg} needs hmacSecret (HMAC with a public key is the HS/RS confusion attack)`);
  }
}

/** Checks `auth` and applies its defaults. Throws OptionsError naming the bad field. */
export function resolveAuthOptions(value: unknown): ResolvedAuthOptions {
  if (!isRecord(value)) throw new OptionsError('option auth must be an object');
  const auth = value;
  rejectUnknownKeys('option auth', auth, AUTH_KEYS);
  checkKeySource(auth);
  checkAlgorithms(auth);
  stringOrList('audience', auth.audience);
  stringOrList('issuer', auth.issuer);
  for (const key of ['allowAnonymous', 'queryToken']) {
    if (auth[key] !== undefined && typeof auth[key] !== 'boolean') fail(`${key} must be a boolean, got ${JSON.stringify(auth[key])}`);
  }
  return {
    hmacSecret: auth.hmacSecret as string | undefined,
    publicKey: auth.publicKey as string | undefined,
    jwksUrl: auth.jwksUrl as string | undefined,
    algorithms: auth.algorithms as string[] | undefined,
    audience: auth.audience as string | string[] | undefined,
    issuer: auth.issuer as string | string[] | undefined,
    allowAnonymous: (auth.allowAnonymous as boolean | undefined) ?? false,
    queryToken: (auth.queryToken as boolean | undefined) ?? true,
    clockToleranceMs: duration('clockToleranceMs', auth.clockToleranceMs, DEFAULT_CLOCK_TOLERANCE_MS, true),
    jwksCacheMaxAgeMs: duration('jwksCacheMaxAgeMs', auth.jwksCacheMaxAgeMs, DEFAULT_JWKS_CACHE_MAX_AGE_MS),
    jwksCooldownMs: duration('jwksCooldownMs', auth.jwksCooldownMs, DEFAULT_JWKS_COOLDOWN_MS, true),
    jwksTimeoutMs: duration('jwksTimeoutMs', auth.jwksTimeoutMs, DEFAULT_JWKS_TIMEOUT_MS),
  };
}

/**
 * Checks `allowedOrigins`: exact origins (`https://app.example.com`), one leading wildcard label
 * (`https://*.example.com`), or `*` (any origin).
 */
export function checkAllowedOrigins(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw new OptionsError('option allowedOrigins must be a non-empty array of origins');
  for (const item of value) {
    if (typeof item !== 'string' || item === '') throw new OptionsError('option allowedOrigins must hold non-empty strings');
    if (item === '*') continue;
    const match = /^(https?):\/\/(\*\.)?([^/*]+)$/.exec(item);
    if (!match || item.endsWith('/')) {
      throw new OptionsError(
        `option allowedOrigins: ${JSON.stringify(item)} is not an origin like "https://app.example.com" or "https://*.example.com"`,
      );
    }
  }
}
