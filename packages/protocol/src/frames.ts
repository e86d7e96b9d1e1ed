/**
 * @module frames
 * The envelope of protocol v1: client commands, server replies and server pushes.
 *
 * Every command carries a positive integer `id` and gets exactly one reply with the same id:
 * `{id, result}` or `{id, error}`. Pushes are server-initiated and carry a `type`, never an id.
 * The same objects are written in JSON and in MessagePack; see docs/protocol.md. This file holds
 * the constants, the commands and the envelope; results.ts the results, pushes.ts the pushes.
 */
import type { ErrorShape } from './errors.js';
import type { Push } from './pushes.js';
import type { StreamPosition } from './results.js';

export * from './results.js';
export * from './pushes.js';

/** Protocol version spoken by this package. */
export const PROTOCOL_VERSION = 1;

/** Largest command id: ids are integers in [1, MAX_COMMAND_ID]. */
export const MAX_COMMAND_ID = Number.MAX_SAFE_INTEGER;
/** Longest channel name, in UTF-16 code units. */
export const MAX_CHANNEL_LENGTH = 255;
/** Longest RPC method name. */
export const MAX_METHOD_LENGTH = 255;
/** Longest idempotency key. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 64;
/** Longest token (connection or subscription JWT). */
export const MAX_TOKEN_LENGTH = 16_384;
/** Longest event name inside a channel. */
export const MAX_EVENT_LENGTH = 64;
/** Separates a namespace from the rest of a channel name: `chat:room-1`. */
export const NAMESPACE_SEPARATOR = ':';

// ---------------------------------------------------------------------------------------------
// Commands (client -> server)

export interface ConnectParams {
  /** Connection token (JWT), when the server requires one. */
  token?: string;
  /** Client library name, e.g. `relais-js`. */
  name?: string;
  /** Client library version. */
  version?: string;
  /** Application data passed to the `onConnecting` hook. */
  data?: unknown;
}

export interface SubscribeParams {
  channel: string;
  /** Application data passed to the `onSubscribe` hook. */
  data?: unknown;
  /** Subscription token for private channels. */
  token?: string;
  /** Ask for recovery from this position (history/recovery). */
  since?: StreamPosition;
  /** Receive join/leave pushes for this channel (presence). */
  joinLeave?: boolean;
  /**
   * The client reads the rest of a recovery too large for one reply with `history` (see
   * SubscribeResult.more). Send it only to servers whose ConnectResult has `maxPageBytes`.
   */
  paged?: boolean;
}

export interface UnsubscribeParams {
  channel: string;
}

export interface PublishParams {
  channel: string;
  data: unknown;
  /** Optional event name inside the channel (`message`, `typing`, …). */
  event?: string;
  /** A retried publish with the same key on the same channel is delivered once. */
  idempotencyKey?: string;
  /** Do not deliver this publication back to the publishing connection. */
  excludeSelf?: boolean;
  /** Deliver live only: never stored in history, never given an offset, never recovered. */
  ephemeral?: boolean;
}

export interface RpcParams {
  method: string;
  data?: unknown;
  /** A retried call with the same key (same user, same method) runs the handler once; see §10. */
  idempotencyKey?: string;
}

export interface SendParams {
  data: unknown;
}

export type PingParams = Record<string, never>;

/** A new connection token, sent before the current one expires (see ConnectResult.expiresInMs). */
export interface RefreshParams {
  token: string;
}

/** A new subscription token for a channel held with one (see SubscribeResult.expiresInMs). */
export interface SubRefreshParams {
  channel: string;
  token: string;
}

/** Read a channel's history (namespaces with history; the connection must be subscribed). */
export interface HistoryParams {
  channel: string;
  /** At most this many publications; 0 returns only the current position. @default all kept */
  limit?: number;
  /** Only publications after this position (nothing when the epoch differs). */
  since?: StreamPosition;
  /** Newest first. @default false */
  reverse?: boolean;
}

/**
 * Ask for the publications of a channel this connection fell behind on (see BehindPush), after
 * `since`: one page of them, and live pushes again once the rest fits in the reply.
 */
export interface ResumeParams {
  channel: string;
  /** The last position the client has. */
  since: StreamPosition;
}

/** Who is in a channel (namespaces with presence; the connection must be subscribed). */
export interface PresenceParams {
  channel: string;
}

export interface PresenceStatsParams {
  channel: string;
}

/** Params type of every command, by method. */
export interface CommandParamsMap {
  connect: ConnectParams;
  subscribe: SubscribeParams;
  unsubscribe: UnsubscribeParams;
  publish: PublishParams;
  rpc: RpcParams;
  send: SendParams;
  ping: PingParams;
  refresh: RefreshParams;
  sub_refresh: SubRefreshParams;
  history: HistoryParams;
  resume: ResumeParams;
  presence: PresenceParams;
  presence_stats: PresenceStatsParams;
}

export type Method = keyof CommandParamsMap;

/** Every method of protocol v1, in documentation order. */
export const METHODS: readonly Method[] = [
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'rpc',
  'send',
  'ping',
  'refresh',
  'sub_refresh',
  'history',
  'resume',
  'presence',
  'presence_stats',
];

/** A decoded, validated command. */
export type Command = {
  [M in Method]: { id: number; method: M; params: CommandParamsMap[M] };
}[Method];

/** The command with a given method. */
export type CommandOf<M extends Method> = Extract<Command, { method: M }>;

/** A reply answers the command with the same id: a result or an error, never both. */
export type Reply = { id: number; result: unknown } | { id: number; error: ErrorShape };

/** Anything the server writes. */
export type ServerFrame = Reply | Push;
