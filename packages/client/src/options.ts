/**
 * @module options
 * Client options: DEFAULT_* constants, the options type, and validation that rejects
 * contradictory combinations early with a precise error.
 */
import { jsonCodec, type Codec } from '@relais/protocol';
import type { Backoff } from './backoff.js';
import { InvalidOptionsError } from './errors.js';
import type { Timers } from './timer.js';
import type { EnvironmentTarget, VisibilityTarget } from './environment.js';
import type { FallbackTransport, TransportOption } from './transports/chooser.js';
import type { EventSourceConstructor, FetchLike } from './transports/fetch.js';
import type { WebSocketConstructor } from './transports/websocket.js';

export const DEFAULT_ENCODING = 'json';
export const DEFAULT_MIN_RECONNECT_DELAY_MS = 500;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 20_000;
export const DEFAULT_RECONNECT_FACTOR = 2;
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = Infinity;
export const DEFAULT_STABLE_CONNECTION_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_QUEUE_SIZE = 1_000;
export const DEFAULT_MAX_HELD_PUBLICATIONS = 1_000;
export const DEFAULT_REFRESH_MARGIN_MS = 10_000;
export const DEFAULT_CLIENT_NAME = 'relais-js';
export const CLIENT_VERSION = '0.1.0';
/** WebSocket alone; the HTTP fallbacks are an opt-in import (`fallbacks` from `@relais/client/fallback`). */
export const DEFAULT_TRANSPORTS: readonly TransportOption[] = ['websocket'];
export const DEFAULT_TRANSPORT_RETRY_MS = 60_000;

/** Where debug lines go. `console` fits. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  /** Receives errors thrown by event listeners (always, debug or not); falls back to `debug`. */
  error?(message: string, ...details: unknown[]): void;
}

export interface ClientOptions {
  /**
   * Wire encoding over WebSocket, chosen by subprotocol: `'json'`, or a codec imported on purpose,
   * such as `msgpack` from `@relais/client/msgpack` (so JSON-only apps do not ship it).
   * @default 'json'
   */
  encoding?: 'json' | Codec;
  /** Connection token (JWT) sent in `connect`. */
  token?: string;
  /**
   * Returns a fresh connection token. Called before the first connect when `token` is absent,
   * before the token expires (the server tells when; the new one is sent with `refresh`), and
   * whenever the server says the token expired (close 3005, reply error 109).
   */
  getToken?: () => string | Promise<string>;
  /** How long before a token's expiry it is refreshed (halfway for shorter tokens), in ms. @default 10000 */
  refreshMarginMs?: number;
  /** Application data sent with `connect` (seen by the server's onConnecting hook). */
  data?: unknown;
  /** Client name sent in `connect`. @default 'relais-js' */
  name?: string;
  /** The WebSocket constructor. @default globalThis.WebSocket (pass `ws` in Node 20) */
  websocket?: WebSocketConstructor;
  /**
   * The transports to try, in order, when one cannot connect (blocked, or closed before the
   * connect reply): `'websocket'` and the HTTP fallbacks imported from `@relais/client/fallback`
   * (`httpStream`, `sse`, `longPoll`, or `fallbacks` for all four). Those the runtime lacks are
   * skipped. HTTP transports carry JSON whatever `encoding` says. @default ['websocket']
   */
  transports?: readonly TransportOption[];
  /** `fetch`, for the HTTP transports. @default globalThis.fetch */
  fetch?: FetchLike;
  /** The EventSource constructor, for `sse`. @default globalThis.EventSource */
  EventSource?: EventSourceConstructor;
  /**
   * While connected over a fallback, how often a WebSocket is tried again; when one opens, the
   * client moves back to it (subscriptions recover what they missed), in ms. @default 60000
   */
  transportRetryMs?: number;
  /** Timers and clock. @default globalThis.setTimeout/clearTimeout and Date.now */
  timers?: Timers;
  /** Uniform random source in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** Fires `online` (reconnect at once). @default globalThis.window when it exists; null disables */
  window?: EnvironmentTarget | null;
  /** Fires `visibilitychange` (reconnect at once when visible). @default globalThis.document; null disables */
  document?: VisibilityTarget | null;
  /** Floor of every reconnect delay and base of the exponential, in ms. @default 500 */
  minReconnectDelayMs?: number;
  /** Cap of every reconnect delay, in ms. @default 20000 */
  maxReconnectDelayMs?: number;
  /** Growth factor of the reconnect window per attempt. @default 2 */
  reconnectFactor?: number;
  /** Consecutive failed attempts before giving up (state 'disconnected', no retry). @default Infinity */
  maxReconnectAttempts?: number;
  /** Replaces the built-in backoff: `(attempt) => ms`, attempt 0 for the first retry. */
  backoff?: Backoff;
  /** A connection that stays up this long resets the attempt counter, in ms. @default 5000 */
  stableConnectionMs?: number;
  /** Time allowed from opening the socket to the connect reply, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Default per-call timeout for publish/rpc/send/subscribe, offline wait included, in ms. @default 10000 */
  timeoutMs?: number;
  /** Most calls waiting in the offline queue; more reject with QueueFullError. @default 1000 */
  maxQueueSize?: number;
  /**
   * Most live publications a subscription holds while a paged recovery reads history; past
   * that it lets them go and reads them from history too (docs/recovery.md). @default 1000
   */
  maxHeldPublications?: number;
  /** Log protocol traffic and state changes to `logger`; switch with `setDebug`. @default false */
  debug?: boolean;
  /** Receives debug lines. @default globalThis.console */
  logger?: Logger;
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  encoding: Codec;
  token: string | undefined;
  getToken: (() => string | Promise<string>) | undefined;
  refreshMarginMs: number;
  data: unknown;
  name: string;
  websocket: WebSocketConstructor | undefined;
  transports: readonly TransportOption[];
  fetch: FetchLike | undefined;
  EventSource: EventSourceConstructor | undefined;
  transportRetryMs: number;
  timers: Timers | undefined;
  random: () => number;
  window: EnvironmentTarget | null | undefined;
  document: VisibilityTarget | null | undefined;
  minReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  reconnectFactor: number;
  maxReconnectAttempts: number;
  backoff: Backoff | undefined;
  stableConnectionMs: number;
  connectTimeoutMs: number;
  timeoutMs: number;
  maxQueueSize: number;
  maxHeldPublications: number;
  debug: boolean;
  logger: Logger | undefined;
}

function positive(name: string, value: number, allowInfinity = false): void {
  const ok = allowInfinity ? value > 0 : Number.isFinite(value) && value > 0;
  if (typeof value !== 'number' || Number.isNaN(value) || !ok) {
    throw new InvalidOptionsError(`${name} must be a positive number${allowInfinity ? ' or Infinity' : ''}, got ${value}`);
  }
}

function nonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionsError(`${name} must be a non-negative number, got ${value}`);
  }
}

/** The defaults of every option that has one (the others are undefined until given). */
const DEFAULTS = {
  encoding: DEFAULT_ENCODING,
  refreshMarginMs: DEFAULT_REFRESH_MARGIN_MS,
  name: DEFAULT_CLIENT_NAME,
  transports: DEFAULT_TRANSPORTS,
  transportRetryMs: DEFAULT_TRANSPORT_RETRY_MS,
  random: Math.random,
  minReconnectDelayMs: DEFAULT_MIN_RECONNECT_DELAY_MS,
  maxReconnectDelayMs: DEFAULT_MAX_RECONNECT_DELAY_MS,
  reconnectFactor: DEFAULT_RECONNECT_FACTOR,
  maxReconnectAttempts: DEFAULT_MAX_RECONNECT_ATTEMPTS,
  stableConnectionMs: DEFAULT_STABLE_CONNECTION_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  maxQueueSize: DEFAULT_MAX_QUEUE_SIZE,
  maxHeldPublications: DEFAULT_MAX_HELD_PUBLICATIONS,
  debug: false,
};

/** Applies defaults and checks the combination. Throws InvalidOptionsError. */
export function resolveOptions(options: ClientOptions = {}): ResolvedOptions {
  // `{...DEFAULTS, ...options}`, except that an option given as undefined keeps its default.
  const resolved: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) resolved[key] = value;
  resolved.encoding = resolveEncoding(resolved.encoding);
  validate(resolved as unknown as ResolvedOptions, options);
  return resolved as unknown as ResolvedOptions;
}

function isCodec(value: unknown): value is Codec {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Record<keyof Codec, unknown>>;
  return (
    typeof c.name === 'string' &&
    typeof c.subprotocol === 'string' &&
    typeof c.encode === 'function' &&
    typeof c.decode === 'function' &&
    typeof c.join === 'function'
  );
}

function resolveEncoding(encoding: unknown): Codec {
  if (encoding === 'json') return jsonCodec;
  if (isCodec(encoding)) return encoding;
  if (encoding === 'msgpack') {
    // Before 0.2 the string selected a codec bundled with every client (docs/client.md#migration).
    throw new InvalidOptionsError(
      "encoding 'msgpack' is an opt-in import: import { msgpack } from '@relais/client/msgpack' and pass encoding: msgpack",
    );
  }
  throw new InvalidOptionsError(
    `encoding must be 'json' or a codec such as msgpack from '@relais/client/msgpack', got ${JSON.stringify(encoding)}`,
  );
}

function validate(o: ResolvedOptions, given: ClientOptions): void {
  if (o.token !== undefined && typeof o.token !== 'string') throw new InvalidOptionsError('token must be a string');
  if (o.getToken !== undefined && typeof o.getToken !== 'function') throw new InvalidOptionsError('getToken must be a function');
  if (o.backoff !== undefined) {
    if (typeof o.backoff !== 'function') throw new InvalidOptionsError('backoff must be a function (attempt) => ms');
    const knobs = ['minReconnectDelayMs', 'maxReconnectDelayMs', 'reconnectFactor'] as const;
    const both = knobs.filter((k) => given[k] !== undefined);
    if (both.length > 0) {
      throw new InvalidOptionsError(`backoff replaces the built-in schedule: do not also set ${both.join(', ')}`);
    }
  }
  nonNegative('minReconnectDelayMs', o.minReconnectDelayMs);
  positive('maxReconnectDelayMs', o.maxReconnectDelayMs);
  if (o.minReconnectDelayMs > o.maxReconnectDelayMs) {
    throw new InvalidOptionsError(
      `minReconnectDelayMs (${o.minReconnectDelayMs}) must not exceed maxReconnectDelayMs (${o.maxReconnectDelayMs})`,
    );
  }
  if (typeof o.reconnectFactor !== 'number' || !(o.reconnectFactor >= 1) || !Number.isFinite(o.reconnectFactor)) {
    throw new InvalidOptionsError(`reconnectFactor must be a finite number >= 1, got ${o.reconnectFactor}`);
  }
  if (o.maxReconnectAttempts !== Infinity && (!Number.isInteger(o.maxReconnectAttempts) || o.maxReconnectAttempts < 0)) {
    throw new InvalidOptionsError(`maxReconnectAttempts must be a non-negative integer or Infinity, got ${o.maxReconnectAttempts}`);
  }
  checkTransports(o.transports as unknown);
  positive('transportRetryMs', o.transportRetryMs);
  positive('stableConnectionMs', o.stableConnectionMs);
  positive('refreshMarginMs', o.refreshMarginMs);
  positive('connectTimeoutMs', o.connectTimeoutMs);
  positive('timeoutMs', o.timeoutMs);
  if (!Number.isInteger(o.maxQueueSize) || o.maxQueueSize < 0) {
    throw new InvalidOptionsError(`maxQueueSize must be a non-negative integer, got ${o.maxQueueSize}`);
  }
  if (!Number.isInteger(o.maxHeldPublications) || o.maxHeldPublications < 1) {
    throw new InvalidOptionsError(`maxHeldPublications must be a positive integer, got ${o.maxHeldPublications}`);
  }
}

/** The fallback each name was before 0.2, when the strings selected transports bundled with every client. */
const MOVED_TRANSPORTS: Record<string, string> = { http_stream: 'httpStream', sse: 'sse', long_poll: 'longPoll' };

function transportKind(transport: unknown): string | undefined {
  if (transport === 'websocket') return transport;
  const t = transport as Partial<FallbackTransport> | null;
  return typeof t === 'object' && t !== null && typeof t.open === 'function' && typeof t.missing === 'function' ? t.kind : undefined;
}

function checkTransports(list: unknown): void {
  const entries: unknown[] = Array.isArray(list) ? list : [];
  for (const entry of entries) {
    const name = typeof entry === 'string' ? MOVED_TRANSPORTS[entry] : undefined;
    if (name) {
      // docs/client.md#migration-http-fallbacks
      throw new InvalidOptionsError(
        `transport '${String(entry)}' is an opt-in import: import { ${name} } from '@relais/client/fallback' and pass transports: ['websocket', ${name}]`,
      );
    }
  }
  const kinds = entries.map(transportKind);
  if (kinds.length === 0 || kinds.includes(undefined) || new Set(kinds).size !== kinds.length) {
    throw new InvalidOptionsError(
      `transports must be a non-empty list of distinct 'websocket' and fallbacks from '@relais/client/fallback', got ${JSON.stringify(list)}`,
    );
  }
}
