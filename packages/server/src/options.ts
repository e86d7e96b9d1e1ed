/**
 * @module options
 * Options of a relais node: defaults, and the check that rejects invalid or contradictory ones.
 */
import { NAMESPACE_SEPARATOR } from '@relais/protocol';
import { resolveTrustedProxies } from './auth/client-address.js';
import { checkAllowedOrigins, resolveAuthOptions, type AuthOptions } from './auth/options.js';
import { resolveAccess, type Access } from './auth/permissions.js';
import type { Broker } from './broker.js';
import type { PresenceStore } from './presence.js';
import type { Logger } from './logger.js';
import { checkRate, resolveLimits, type LimitsOptions } from './rate-limit/options.js';
import type { Rate } from './rate-limit/token-bucket.js';

export const DEFAULT_PATH = '/connection/websocket';
export const DEFAULT_PING_INTERVAL_MS = 25_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 65_536;
export const DEFAULT_MAX_CHANNELS_PER_CONNECTION = 128;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_QUEUE_BYTES = 1_048_576;
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
export const DEFAULT_IDEMPOTENCY_TTL_MS = 300_000;
export const DEFAULT_PRESENCE_TTL_MS = 60_000;

/** Largest delay a Node.js timer accepts. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Rules of the channels of one namespace (`chat` for `chat:room-1`, `''` for names without
 * a colon): who may do what (see auth/permissions and docs/security.md), limits.
 */
export interface NamespaceOptions {
  /** `false` is `publishAccess: 'nobody'` (kept for compatibility). @default true */
  clientPublish?: boolean;
  /** `false` is `subscribeAccess: 'nobody'` (kept for compatibility). @default true */
  clientSubscribe?: boolean;
  /** Largest encoded size of a client publication's data, in bytes. @default no limit */
  maxDataBytes?: number;
  /** Who may subscribe: everyone, authenticated, owner, token or nobody (see Access). @default 'everyone' */
  subscribeAccess?: Access;
  /** Who may publish: everyone, authenticated, owner, subscribers or nobody. @default 'everyone' */
  publishAccess?: Access;
  /** Who may read presence: everyone, authenticated, owner, subscribers or nobody. @default 'subscribers' */
  presenceAccess?: Access;
  /** Who may read history: everyone, authenticated, owner, subscribers or nobody. @default 'subscribers' */
  historyAccess?: Access;
  /** Publishes per second one connection may make on this namespace's channels (ReplyError 111 beyond). @default no limit */
  publishRate?: Rate;
  /**
   * Publications kept per channel for history and recovery; 0 keeps none. A namespace with
   * history is "recoverable". @default 0
   */
  historySize?: number;
  /** How long each kept publication stays, in ms; required when historySize > 0. */
  historyTtlMs?: number;
  /** Track who is subscribed (presence and presence_stats commands). @default false */
  presence?: boolean;
  /** Send join/leave pushes to subscribers that ask for them. @default false */
  joinLeave?: boolean;
}

/** permessage-deflate settings; inflated messages are capped at maxMessageBytes. */
export interface CompressionOptions {
  /** Outbound messages smaller than this are sent uncompressed, in bytes. @default 1024 */
  thresholdBytes?: number;
  /** zlib level, 0–9. @default 1 */
  level?: number;
}

/** The engine moves publications between nodes, keeps history and presence. */
export interface EngineOptions {
  broker: Broker;
  /** Who is in which channel. @default a MemoryPresenceStore (this process only) */
  presence?: PresenceStore;
}

export interface RelaisOptions {
  /** Cluster engine. @default a MemoryBroker (single node) */
  engine?: EngineOptions;
  /** Where the node logs; a pino logger fits. @default a silent logger */
  logger?: Logger;
  /** URL path accepting WebSocket upgrades (`/` is accepted too). @default '/connection/websocket' */
  path?: string;
  /** The server sends a ping push every this many ms. @default 25000 */
  pingIntervalMs?: number;
  /** Extra silence allowed after a ping before the connection is closed with 3012, in ms. @default 10000 */
  pongTimeoutMs?: number;
  /** Time a new connection has to send `connect` before it is closed with 3014, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Largest inbound WebSocket message in bytes; larger ones are closed by ws with 1009. @default 65536 */
  maxMessageBytes?: number;
  /** Subscriptions one connection may hold; beyond that subscribe fails with 106. @default 128 */
  maxChannelsPerConnection?: number;
  /** Connections this node accepts; beyond that new ones are closed with 3006. @default 10000 */
  maxConnections?: number;
  /** Outbound bytes buffered per connection before it is closed with 3008 (slow). @default 1048576 */
  maxQueueBytes?: number;
  /** Time an RPC handler has to answer before the client gets 114, in ms. @default 10000 */
  rpcTimeoutMs?: number;
  /** Time close() waits for sockets to close before terminating them, in ms. @default 5000 */
  closeTimeoutMs?: number;
  /** How long publish idempotency keys are remembered, in ms. @default 300000 */
  idempotencyTtlMs?: number;
  /** A presence entry not refreshed for this long expires (the node refreshes at a third), in ms. @default 60000 */
  presenceTtlMs?: number;
  /**
   * Channel namespaces. When set, channels of an unlisted namespace get 102 (unknown channel),
   * unless a `'*'` entry gives the rules of every unlisted namespace.
   * @default undefined: every namespace is allowed with default rules
   */
  namespaces?: Record<string, NamespaceOptions>;
  /** Token verification (JWT). @default undefined: no verification, onConnecting hooks decide */
  auth?: AuthOptions;
  /**
   * Origins allowed to open WebSocket connections (`https://app.example.com`,
   * `https://*.example.com`, `*`); others get HTTP 403. Upgrades without `Origin` (non-browser
   * clients) are allowed. @default undefined: any origin
   */
  allowedOrigins?: string[];
  /**
   * Addresses of the reverse proxies in front of the node (`["10.0.0.5", "::1"]`). A
   * connection from one of them is taken to come from the right-most `X-Forwarded-For` address
   * that is not a trusted proxy: the per-IP connection limit counts that address, and hooks see
   * it as `transport.remoteAddress`. @default undefined: the socket's peer, whatever the headers
   */
  trustedProxies?: string[];
  /** Rate limits and abuse caps. @default see LimitsOptions */
  limits?: LimitsOptions;
  /** Negotiate permessage-deflate (true for defaults). @default false */
  compression?: boolean | CompressionOptions;
}

/** Options after defaults were applied and every value was checked. */
type OptionalKeys = 'engine' | 'logger' | 'namespaces' | 'auth' | 'allowedOrigins' | 'trustedProxies' | 'limits' | 'compression';
export type ResolvedOptions = Required<Omit<RelaisOptions, OptionalKeys>> & Pick<RelaisOptions, OptionalKeys>;

export const DEFAULT_OPTIONS = {
  path: DEFAULT_PATH,
  pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
  pongTimeoutMs: DEFAULT_PONG_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxChannelsPerConnection: DEFAULT_MAX_CHANNELS_PER_CONNECTION,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
  rpcTimeoutMs: DEFAULT_RPC_TIMEOUT_MS,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS,
  presenceTtlMs: DEFAULT_PRESENCE_TTL_MS,
} as const satisfies Partial<RelaisOptions>;

/** Invalid or contradictory options; the message names the option and the rule. */
export class OptionsError extends TypeError {
  override readonly name = 'OptionsError';
}

const DURATION_KEYS = ['pingIntervalMs', 'pongTimeoutMs', 'connectTimeoutMs', 'rpcTimeoutMs', 'closeTimeoutMs', 'idempotencyTtlMs', 'presenceTtlMs'] as const;
const COUNT_KEYS = ['maxMessageBytes', 'maxChannelsPerConnection', 'maxConnections', 'maxQueueBytes'] as const;
const KNOWN_KEYS = new Set<string>([
  'engine', 'logger', 'namespaces', 'path', 'auth', 'allowedOrigins', 'trustedProxies', 'limits', 'compression', ...DURATION_KEYS, ...COUNT_KEYS,
]);
const NAMESPACE_KEYS = new Set([
  'clientPublish', 'clientSubscribe', 'maxDataBytes', 'subscribeAccess', 'publishAccess', 'presenceAccess', 'historyAccess', 'publishRate',
  'historySize', 'historyTtlMs', 'presence', 'joinLeave',
]);

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new OptionsError(`option ${name} must be a positive integer, got ${show(value)}`);
  }
  if (value > max) throw new OptionsError(`option ${name} must be at most ${max}, got ${value}`);
}

function checkNamespace(name: string, ns: unknown, hasAuth: boolean): void {
  const where = `option namespaces[${JSON.stringify(name)}]`;
  if (name.includes(NAMESPACE_SEPARATOR)) throw new OptionsError(`${where}: a namespace name must not contain "${NAMESPACE_SEPARATOR}"`);
  if (typeof ns !== 'object' || ns === null || Array.isArray(ns)) throw new OptionsError(`${where} must be an object`);
  const rules = ns as Record<string, unknown>;
  for (const key of Object.keys(rules)) {
    if (!NAMESPACE_KEYS.has(key)) throw new OptionsError(`${where}: unknown option ${JSON.stringify(key)}`);
  }
  for (const key of ['clientPublish', 'clientSubscribe', 'presence', 'joinLeave']) {
    if (rules[key] !== undefined && typeof rules[key] !== 'boolean') throw new OptionsError(`${where}.${key} must be a boolean, got ${show(rules[key])}`);
  }
  const option = (key: string): string => `namespaces[${JSON.stringify(name)}].${key}`;
  if (rules.maxDataBytes !== undefined) positiveInteger(option('maxDataBytes'), rules.maxDataBytes);
  resolveAccess(where, rules, hasAuth);
  if (rules.publishRate !== undefined) checkRate(`${where}.publishRate`, rules.publishRate);
  checkHistory(where, rules, option);
}

function checkHistory(where: string, rules: Record<string, unknown>, option: (key: string) => string): void {
  const { historySize, historyTtlMs } = rules;
  if (historySize !== undefined && historySize !== 0) positiveInteger(option('historySize'), historySize);
  if (historyTtlMs !== undefined) positiveInteger(option('historyTtlMs'), historyTtlMs);
  const keeps = typeof historySize === 'number' && historySize > 0;
  if (keeps && historyTtlMs === undefined) throw new OptionsError(`${where}.historyTtlMs is required when historySize > 0`);
  if (!keeps && historyTtlMs !== undefined) throw new OptionsError(`${where}.historyTtlMs is set but historySize is 0: set historySize to keep history`);
}

function checkCompression(compression: unknown): void {
  if (compression === undefined || typeof compression === 'boolean') return;
  if (typeof compression !== 'object' || compression === null) throw new OptionsError('option compression must be a boolean or {thresholdBytes?, level?}');
  const { thresholdBytes, level, ...rest } = compression as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new OptionsError(`option compression: unknown option ${JSON.stringify(unknown)}`);
  if (thresholdBytes !== undefined && (typeof thresholdBytes !== 'number' || !Number.isInteger(thresholdBytes) || thresholdBytes < 0)) {
    throw new OptionsError(`option compression.thresholdBytes must be a non-negative integer, got ${show(thresholdBytes)}`);
  }
  if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9)) {
    throw new OptionsError(`option compression.level must be an integer from 0 to 9, got ${show(level)}`);
  }
}

function checkObjects(options: ResolvedOptions): void {
  const { engine, logger, namespaces } = options;
  if (engine !== undefined && (typeof engine !== 'object' || engine === null || typeof engine.broker?.publish !== 'function')) {
    throw new OptionsError('option engine must be {broker: Broker}');
  }
  if (engine?.presence !== undefined && (typeof engine.presence !== 'object' || engine.presence === null || typeof engine.presence.add !== 'function')) {
    throw new OptionsError('option engine.presence must be a PresenceStore');
  }
  if (logger !== undefined) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof logger?.[level] !== 'function') throw new OptionsError(`option logger must have a ${level}() method`);
    }
  }
  if (namespaces !== undefined) {
    if (typeof namespaces !== 'object' || namespaces === null || Array.isArray(namespaces)) throw new OptionsError('option namespaces must be an object');
    for (const [name, ns] of Object.entries(namespaces)) checkNamespace(name, ns, options.auth !== undefined);
  }
  if (options.auth !== undefined) resolveAuthOptions(options.auth);
  if (options.allowedOrigins !== undefined) checkAllowedOrigins(options.allowedOrigins);
  if (options.trustedProxies !== undefined) resolveTrustedProxies(options.trustedProxies);
  resolveLimits(options.limits, options.maxMessageBytes);
  checkCompression(options.compression);
}

/**
 * Applies the defaults and checks every option. Throws OptionsError naming the first bad one.
 * @example resolveOptions({ pingIntervalMs: 5000 })
 */
export function resolveOptions(options: RelaisOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new OptionsError(`unknown option ${JSON.stringify(key)}`);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS, ...defined };
  if (typeof resolved.path !== 'string' || !resolved.path.startsWith('/')) {
    throw new OptionsError(`option path must be a string starting with "/", got ${show(resolved.path)}`);
  }
  for (const key of DURATION_KEYS) positiveInteger(key, resolved[key], MAX_TIMER_MS);
  for (const key of COUNT_KEYS) positiveInteger(key, resolved[key]);
  if (resolved.maxQueueBytes < resolved.maxMessageBytes) {
    throw new OptionsError(
      `option maxQueueBytes (${resolved.maxQueueBytes}) must be at least maxMessageBytes (${resolved.maxMessageBytes}): ` +
        'otherwise one full-size message would close the connection as slow',
    );
  }
  checkObjects(resolved);
  return resolved;
}
