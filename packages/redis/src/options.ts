/**
 * @module options
 * Options of RedisBroker: defaults, and the check that rejects invalid ones.
 */
import { OptionsError, durationMs, type Logger } from '@relais/server';

export const DEFAULT_PREFIX = 'relais';
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
export const DEFAULT_HISTORY_META_TTL_MS = 86_400_000;

export interface RedisBrokerOptions {
  /**
   * One Redis URL per shard (`redis://[user:password@]host:port[/db]` or `rediss://` for TLS).
   * Channels are spread over the shards by a stable hash of their name, so every node of a
   * cluster must list the same URLs in the same order.
   */
  urls: readonly string[];
  /** Prefix of every Redis key and pub/sub channel, so clusters can share a Redis. @default 'relais' */
  prefix?: string;
  /** Time a Redis command may take before it fails (publish rejects with 115), in ms. @default 5000 */
  commandTimeoutMs?: number;
  /** Time start() waits for every shard to answer, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Longest wait between two reconnection attempts to a shard, in ms. @default 2000 */
  maxReconnectDelayMs?: number;
  /**
   * How long a channel's offset and epoch outlive its last publication with history, in ms,
   * so that clients can still be told exactly whether they missed anything. @default 86400000 (24 h)
   */
  historyMetaTtlMs?: number;
  /** Where the broker logs connection losses and recoveries. @default a silent logger */
  logger?: Logger;
}

export type ResolvedRedisBrokerOptions = Required<Omit<RedisBrokerOptions, 'logger'>> & Pick<RedisBrokerOptions, 'logger'>;

const KNOWN_KEYS = new Set(['urls', 'prefix', 'commandTimeoutMs', 'connectTimeoutMs', 'maxReconnectDelayMs', 'historyMetaTtlMs', 'logger']);
const DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  maxReconnectDelayMs: DEFAULT_MAX_RECONNECT_DELAY_MS,
  historyMetaTtlMs: DEFAULT_HISTORY_META_TTL_MS,
} as const satisfies Partial<RedisBrokerOptions>;
const DURATION_KEYS = ['commandTimeoutMs', 'connectTimeoutMs', 'maxReconnectDelayMs', 'historyMetaTtlMs'] as const;

/** A URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

/** Host, port and database a URL points at (defaults filled in), to find a shard listed twice. */
function target(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname.toLowerCase()}:${parsed.port || '6379'}/${parsed.pathname.replace(/^\//, '') || '0'}`;
}

/** Checks one Redis URL; returns an error message or undefined. */
export function redisUrlError(url: unknown): string | undefined {
  if (typeof url !== 'string') return `must be a string, got ${typeof url}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `must start with redis:// or rediss://, got ${JSON.stringify(redactUrl(url))}`;
  }
  if (!parsed.hostname) return `has no host: ${JSON.stringify(redactUrl(url))}`;
  return undefined;
}

/**
 * Applies the defaults and checks every option. Throws OptionsError naming the first bad one
 * and `owner`, the class the options were given to.
 * @example resolveRedisBrokerOptions({ urls: ['redis://127.0.0.1:6379'] })
 */
export function resolveRedisBrokerOptions(options: RedisBrokerOptions, owner = 'RedisBroker'): ResolvedRedisBrokerOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError(`${owner} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new OptionsError(`unknown ${owner} option ${JSON.stringify(key)}`);
  }
  const { urls } = options;
  if (!Array.isArray(urls) || urls.length === 0) throw new OptionsError('option urls must be a non-empty array of redis:// URLs');
  urls.forEach((url, i) => {
    const problem = redisUrlError(url);
    if (problem) throw new OptionsError(`option urls[${i}] ${problem}`);
  });
  const targets = urls.map(target);
  const twice = targets.findIndex((where, i) => targets.indexOf(where) !== i);
  if (twice !== -1)
    throw new OptionsError(`option urls lists ${redactUrl(urls[twice] as string)} twice: each shard must be a distinct Redis`);
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: ResolvedRedisBrokerOptions = { ...DEFAULTS, ...defined, urls: [...urls] };
  if (typeof resolved.prefix !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(resolved.prefix)) {
    throw new OptionsError(`option prefix must be 1–64 characters among A–Z a–z 0–9 _ . : -, got ${JSON.stringify(resolved.prefix)}`);
  }
  for (const key of DURATION_KEYS) durationMs(key, resolved[key]);
  if (resolved.logger !== undefined && typeof resolved.logger?.warn !== 'function') {
    throw new OptionsError('option logger must be a Logger (with debug, info, warn and error methods)');
  }
  return resolved;
}
