/**
 * @module rate-limit/options
 * The `limits` option: token-bucket rates per connection, per user and per IP, the flood
 * threshold, and caps on pending work per connection.
 */
import { OptionsError, durationMs, positiveInteger } from '../option-checks.js';
import type { Rate } from './token-bucket.js';

export const DEFAULT_CONNECTION_COMMANDS: Rate = { perSecond: 1_000, burst: 2_000 };
export const DEFAULT_FLOOD_FACTOR = 2;
export const DEFAULT_MAX_PENDING_RPCS = 32;
export const DEFAULT_MAX_PENDING_COMMANDS = 1_024;
export const DEFAULT_MAX_PENDING_CONNECTIONS = 1_024;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_IDEMPOTENCY_KEYS_PER_CONNECTION = 4_096;
export const DEFAULT_MAX_RPC_REPLY_BYTES = 65_536;

/** Rates of one scope. `false` turns a default rate off. */
export interface ScopeLimits {
  /** Commands of any kind, per second. */
  commands?: Rate | false;
  /** `publish` commands, per second. */
  publishes?: Rate | false;
  /** Inbound bytes (WebSocket messages), per second. */
  bytes?: Rate | false;
}

/**
 * Rate limits and abuse caps. Going over a rate gets ReplyError 111 (temporary); going over it
 * by more than `floodFactor` times its burst before it refills closes the connection with 3013.
 * @example { perConnection: { publishes: { perSecond: 20, burst: 40 } }, perIp: { connections: { perSecond: 5, burst: 20 } } }
 */
export interface LimitsOptions {
  /** Per connection. @default { commands: { perSecond: 1000, burst: 2000 } } */
  perConnection?: ScopeLimits;
  /** Per user id, over all of the user's connections on this node (anonymous ones are not counted). @default none */
  perUser?: ScopeLimits;
  /** Per remote address: WebSocket upgrades per second; beyond, HTTP 429. @default none */
  perIp?: { connections?: Rate | false };
  /** Requests refused by a rate before the connection is closed with 3013, as a multiple of the rate's burst. @default 2 */
  floodFactor?: number;
  /** RPCs of one connection waiting for their handler; beyond, ReplyError 111. @default 32 */
  maxPendingRpcs?: number;
  /** Commands of one connection being handled (or waiting for `connect`); beyond, ReplyError 111. @default 1024 */
  maxPendingCommands?: number;
  /**
   * TCP connections to the node's own HTTP server that are not (yet) relais connections: a
   * WebSocket upgrade in progress, a `/health` or app request. Beyond, new sockets are closed at
   * once (counted in refusedUpgrades as `pending`). @default 1024
   */
  maxPendingConnections?: number;
  /** Time a new TCP connection has to send its request headers (an upgrade's included), in ms; then HTTP 408 and close. @default 10000 */
  handshakeTimeoutMs?: number;
  /**
   * Idempotency keys the engine keeps for one connection at once, for its publishes and, apart,
   * for the replies of its keyed RPCs; past it, that connection's oldest keys are forgotten first
   * (a key is 1–64 characters and a reply at most maxRpcReplyBytes, so this bounds bytes too).
   * Above maxPendingCommands, so the publishes an SDK resends after a cut are always covered. @default 4096
   */
  maxIdempotencyKeysPerConnection?: number;
  /**
   * Largest reply of an RPC called with an idempotency key that the engine keeps for its
   * repeats, in bytes of MessagePack. The first call still gets a larger reply; its repeats get
   * 106 instead (the handler does not run again). @default 65536
   */
  maxRpcReplyBytes?: number;
}

export type ResolvedScope = { commands?: Rate; publishes?: Rate; bytes?: Rate };

export interface ResolvedLimits {
  perConnection: ResolvedScope;
  perUser: ResolvedScope;
  perIpConnections: Rate | undefined;
  floodFactor: number;
  maxPendingRpcs: number;
  maxPendingCommands: number;
  maxPendingConnections: number;
  handshakeTimeoutMs: number;
  maxIdempotencyKeysPerConnection: number;
  maxRpcReplyBytes: number;
}

/** Checks a rate; `minBurst` is the smallest useful burst (a bytes burst must fit one message). */
export function checkRate(where: string, value: unknown, minBurst = 1): Rate {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OptionsError(`${where} must be {perSecond, burst?} or false`);
  const rate = value as Record<string, unknown>;
  for (const key of Object.keys(rate)) {
    if (key !== 'perSecond' && key !== 'burst') throw new OptionsError(`${where}: unknown option ${JSON.stringify(key)}`);
  }
  if (typeof rate.perSecond !== 'number' || !Number.isFinite(rate.perSecond) || rate.perSecond <= 0) {
    throw new OptionsError(`${where}.perSecond must be a positive number, got ${JSON.stringify(rate.perSecond)}`);
  }
  const burst = rate.burst ?? Math.max(rate.perSecond, minBurst);
  if (typeof burst !== 'number' || !Number.isFinite(burst) || burst < 1) {
    throw new OptionsError(`${where}.burst must be a number >= 1, got ${JSON.stringify(rate.burst)}`);
  }
  if (burst < minBurst) throw new OptionsError(`${where}.burst (${burst}) must be at least ${minBurst}: one largest message must fit`);
  return { perSecond: rate.perSecond, burst };
}

function scope(where: string, value: unknown, defaults: ResolvedScope, maxMessageBytes: number): ResolvedScope {
  if (value === undefined) return { ...defaults };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError(`${where} must be an object`);
  const given = value as Record<string, unknown>;
  const out: ResolvedScope = { ...defaults };
  for (const key of Object.keys(given)) {
    if (key !== 'commands' && key !== 'publishes' && key !== 'bytes')
      throw new OptionsError(`${where}: unknown option ${JSON.stringify(key)}`);
    const rate = given[key];
    if (rate === false) delete out[key];
    else if (rate !== undefined) out[key] = checkRate(`${where}.${key}`, rate, key === 'bytes' ? maxMessageBytes : 1);
  }
  return out;
}

function count(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : positiveInteger(`limits.${name}`, value);
}

/** Checks `limits` and applies its defaults. Throws OptionsError naming the bad field. */
export function resolveLimits(value: unknown, maxMessageBytes: number): ResolvedLimits {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw new OptionsError('option limits must be an object');
  const limits = (value ?? {}) as Record<string, unknown>;
  const known = [
    'perConnection',
    'perUser',
    'perIp',
    'floodFactor',
    'maxPendingRpcs',
    'maxPendingCommands',
    'maxPendingConnections',
    'handshakeTimeoutMs',
    'maxIdempotencyKeysPerConnection',
    'maxRpcReplyBytes',
  ];
  for (const key of Object.keys(limits)) {
    if (!known.includes(key)) throw new OptionsError(`option limits: unknown option ${JSON.stringify(key)}`);
  }
  let perIpConnections: Rate | undefined;
  const perIp = limits.perIp as Record<string, unknown> | undefined;
  if (perIp !== undefined) {
    if (typeof perIp !== 'object' || perIp === null) throw new OptionsError('option limits.perIp must be an object');
    for (const key of Object.keys(perIp)) {
      if (key !== 'connections') throw new OptionsError(`option limits.perIp: unknown option ${JSON.stringify(key)}`);
    }
    if (perIp.connections !== undefined && perIp.connections !== false)
      perIpConnections = checkRate('option limits.perIp.connections', perIp.connections);
  }
  const floodFactor = limits.floodFactor ?? DEFAULT_FLOOD_FACTOR;
  if (typeof floodFactor !== 'number' || !Number.isFinite(floodFactor) || floodFactor <= 0) {
    throw new OptionsError(`option limits.floodFactor must be a positive number, got ${JSON.stringify(limits.floodFactor)}`);
  }
  return {
    perConnection: scope('option limits.perConnection', limits.perConnection, { commands: DEFAULT_CONNECTION_COMMANDS }, maxMessageBytes),
    perUser: scope('option limits.perUser', limits.perUser, {}, maxMessageBytes),
    perIpConnections,
    floodFactor,
    maxPendingRpcs: count('maxPendingRpcs', limits.maxPendingRpcs, DEFAULT_MAX_PENDING_RPCS),
    maxPendingCommands: count('maxPendingCommands', limits.maxPendingCommands, DEFAULT_MAX_PENDING_COMMANDS),
    maxPendingConnections: count('maxPendingConnections', limits.maxPendingConnections, DEFAULT_MAX_PENDING_CONNECTIONS),
    maxIdempotencyKeysPerConnection: count(
      'maxIdempotencyKeysPerConnection',
      limits.maxIdempotencyKeysPerConnection,
      DEFAULT_MAX_IDEMPOTENCY_KEYS_PER_CONNECTION,
    ),
    maxRpcReplyBytes: count('maxRpcReplyBytes', limits.maxRpcReplyBytes, DEFAULT_MAX_RPC_REPLY_BYTES),
    handshakeTimeoutMs:
      limits.handshakeTimeoutMs === undefined
        ? DEFAULT_HANDSHAKE_TIMEOUT_MS
        : durationMs('limits.handshakeTimeoutMs', limits.handshakeTimeoutMs),
  };
}
