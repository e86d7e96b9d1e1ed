/**
 * @module options
 * The Socket.IO front-end's options. They keep socket.io's own names (`pingInterval`,
 * `maxHttpBufferSize`…, all in ms or bytes as there), so that an app's `new Server(…)`
 * options carry over unchanged.
 */
import { MAX_TIMER_MS, OptionsError, type Relais } from '@relais/server';
import type { RecoveryOptions } from './recovery.js';
import { defaultRoomChannel, type RoomChannel } from './room-channels.js';

export const DEFAULT_PATH = '/socket.io/';
export const DEFAULT_PING_INTERVAL_MS = 25_000;
export const DEFAULT_PING_TIMEOUT_MS = 20_000;
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 45_000;
export const DEFAULT_MAX_HTTP_BUFFER_SIZE = 1_000_000;
export const DEFAULT_MAX_ATTACHMENTS = 100;
export const DEFAULT_MAX_DISCONNECTION_DURATION_MS = 120_000;
/** Longest a node waits for another node's answer in a cross-node operation (socket.io's `requestsTimeout`). */
export const DEFAULT_REQUESTS_TIMEOUT_MS = 5000;
/** Most events kept per socket for connection state recovery. */
export const DEFAULT_MAX_RECOVERY_EVENTS = 1000;

export interface ServerOptions {
  /**
   * The relais node of `new Server(httpServer, { relais })`: its sessions, channels and engine.
   * @default a node of its own (memory engine), closed by `io.close()`
   */
  relais?: Relais;
  /** The path Engine.IO is served on (a prefix: it ends with `/`). @default '/socket.io/' */
  path?: string;
  /** Ms between two server pings. @default 25000 */
  pingInterval?: number;
  /** Ms the client has to answer a ping before the connection closes. @default 20000 */
  pingTimeout?: number;
  /** Ms a WebSocket probe has to complete the upgrade. @default 10000 */
  upgradeTimeout?: number;
  /** Ms a new connection has to join a namespace before it is closed. @default 45000 */
  connectTimeout?: number;
  /** Largest message (WebSocket frame or polling POST body), in bytes. @default 1000000 */
  maxHttpBufferSize?: number;
  /** Largest number of binary attachments of one packet. @default 100 */
  maxAttachments?: number;
  /** Transports clients may use. @default ['polling', 'websocket'] */
  transports?: Array<'polling' | 'websocket'>;
  /** Whether polling connections may upgrade to WebSocket. @default true */
  allowUpgrades?: boolean;
  /**
   * Cross-origin polling: `origin` is `'*'`, a list, or `true` (reflect any). Origins not on the
   * relais node's `allowedOrigins` are refused whatever this says. @default reflect allowed origins
   */
  cors?: { origin?: string | string[] | boolean; credentials?: boolean };
  /**
   * The relais channel of each room (see room-channels), or false to keep rooms off relais
   * (broadcasts then go through the cluster only, and native clients do not see them).
   * @default `sio:<room>` on `/`, `sio<nsp>:<room>` on other namespaces
   */
  roomChannel?: RoomChannel | false;
  /**
   * Connection state recovery: a client cut off (transport close or error, ping timeout) that
   * comes back within `maxDisconnectionDuration` ms gets its socket back (id, rooms, data) and the
   * events it missed, once (see docs/socketio.md). `maxEvents` (relais) bounds the events kept
   * per socket. @default off; when given: 120000 ms, skipMiddlewares true, 1000 events
   */
  connectionStateRecovery?: { maxDisconnectionDuration?: number; skipMiddlewares?: boolean; maxEvents?: number };
  /**
   * Ms a node waits for the other nodes' answers to a cross-node operation: `fetchSockets()`,
   * `socketsJoin/socketsLeave/disconnectSockets` on other nodes, a broadcast with an ack but no
   * `timeout(ms)`, `serverSideEmitWithAck`, and the hand-over of a recovered socket. As the
   * `requestsTimeout` of socket.io's cluster adapters. @default 5000
   */
  requestsTimeout?: number;
  /** Accepted for compatibility and ignored: relais does not serve the client bundle. */
  serveClient?: boolean;
  /** Accepted for compatibility: Engine.IO v3 clients (socket.io 2.x) are refused whatever it says. */
  allowEIO3?: boolean;
}

export interface ResolvedServerOptions {
  path: string;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  upgradeTimeoutMs: number;
  connectTimeoutMs: number;
  maxPayloadBytes: number;
  maxAttachments: number;
  transports: Array<'polling' | 'websocket'>;
  allowUpgrades: boolean;
  cors: { origin: string | string[] | boolean; credentials: boolean };
  roomChannel: RoomChannel | undefined;
  recovery: RecoveryOptions | undefined;
  requestsTimeoutMs: number;
}

const KNOWN = new Set([
  'path',
  'pingInterval',
  'pingTimeout',
  'upgradeTimeout',
  'connectTimeout',
  'maxHttpBufferSize',
  'maxAttachments',
  'transports',
  'allowUpgrades',
  'cors',
  'serveClient',
  'roomChannel',
  'allowEIO3',
  'relais',
  'connectionStateRecovery',
  'requestsTimeout',
]);

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new OptionsError(`socket.io option ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** A duration in ms that a timer can wait: a positive integer up to MAX_TIMER_MS. */
function timerMs(name: string, value: unknown, fallback: number): number {
  const ms = positive(name, value, fallback);
  if (ms > MAX_TIMER_MS) throw new OptionsError(`socket.io option ${name} must be at most ${MAX_TIMER_MS} ms, got ${ms}`);
  return ms;
}

/** Checks and completes the options; throws an OptionsError (a TypeError) naming the bad one. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new OptionsError(`unknown socket.io option ${key}`);
  let path = options.path ?? DEFAULT_PATH;
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new OptionsError(`socket.io option path must start with /, got ${String(path)}`);
  if (!path.endsWith('/')) path += '/';
  const transports = options.transports ?? ['polling', 'websocket'];
  if (!Array.isArray(transports) || transports.length === 0 || transports.some((name) => name !== 'polling' && name !== 'websocket')) {
    throw new OptionsError(`socket.io option transports must list 'polling' and/or 'websocket'`);
  }
  return {
    path,
    pingIntervalMs: positive('pingInterval', options.pingInterval, DEFAULT_PING_INTERVAL_MS),
    pingTimeoutMs: positive('pingTimeout', options.pingTimeout, DEFAULT_PING_TIMEOUT_MS),
    upgradeTimeoutMs: positive('upgradeTimeout', options.upgradeTimeout, DEFAULT_UPGRADE_TIMEOUT_MS),
    connectTimeoutMs: positive('connectTimeout', options.connectTimeout, DEFAULT_CONNECT_TIMEOUT_MS),
    maxPayloadBytes: positive('maxHttpBufferSize', options.maxHttpBufferSize, DEFAULT_MAX_HTTP_BUFFER_SIZE),
    maxAttachments: positive('maxAttachments', options.maxAttachments, DEFAULT_MAX_ATTACHMENTS),
    transports,
    allowUpgrades: options.allowUpgrades ?? true,
    cors: { origin: options.cors?.origin ?? true, credentials: options.cors?.credentials ?? true },
    roomChannel: roomChannelOf(options.roomChannel),
    recovery: recoveryOf(options.connectionStateRecovery),
    requestsTimeoutMs: timerMs('requestsTimeout', options.requestsTimeout, DEFAULT_REQUESTS_TIMEOUT_MS),
  };
}

function recoveryOf(value: ServerOptions['connectionStateRecovery']): RecoveryOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new OptionsError('socket.io option connectionStateRecovery must be an object');
  return {
    maxDisconnectionMs: positive(
      'connectionStateRecovery.maxDisconnectionDuration',
      value.maxDisconnectionDuration,
      DEFAULT_MAX_DISCONNECTION_DURATION_MS,
    ),
    skipMiddlewares: value.skipMiddlewares ?? true,
    maxEvents: positive('connectionStateRecovery.maxEvents', value.maxEvents, DEFAULT_MAX_RECOVERY_EVENTS),
  };
}

function roomChannelOf(value: unknown): RoomChannel | undefined {
  if (value === undefined) return defaultRoomChannel;
  if (value === false) return undefined;
  if (typeof value !== 'function') throw new OptionsError('socket.io option roomChannel must be a function or false');
  return value as RoomChannel;
}
