/**
 * @module frames
 * The envelope of protocol v1: client commands, server replies and server pushes.
 *
 * Every command carries a positive integer `id` and gets exactly one reply with the same id:
 * `{id, result}` or `{id, error}`. Pushes are server-initiated and carry a `type`, never an id.
 * The same objects are written in JSON and in MessagePack; see docs/protocol.md.
 */
import type { ErrorShape } from './errors.js';

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

// ---------------------------------------------------------------------------------------------
// Results (server -> client, inside replies)

export interface ConnectResult {
  /** Unique id of this connection, chosen by the server. */
  client: string;
  /** Authenticated user id; `''` for anonymous connections. */
  user: string;
  /** Server version string. */
  version: string;
  /** Protocol version of this connection: 1, or 2 on the `relais.v2.*` subprotocols. */
  protocol: number;
  /** The server sends a `ping` push every this many ms; answer it with a `ping` command. */
  pingIntervalMs: number;
  /** The server drops a connection it has not heard from for pingIntervalMs + pongTimeoutMs. */
  pongTimeoutMs: number;
  /** Largest inbound frame the server accepts, in bytes. */
  maxMessageBytes: number;
  /** Application data returned by the `onConnecting` hook. */
  data?: unknown;
  /** Channels the server subscribed this connection to (server-side subscriptions). */
  channels?: string[];
  /**
   * Present when the connection token expires: send `refresh` with a new token within this many
   * ms, or the server closes the connection with 3005.
   */
  expiresInMs?: number;
  /**
   * Most bytes of publications one `history` or recovering `subscribe` reply carries; the rest
   * is read page by page. Present on servers that page: they accept subscribe `paged`.
   */
  maxPageBytes?: number;
}

/** Position in a channel's stream: offsets increase by one per publication within an epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface SubscribeResult {
  /** Application data returned by the `onSubscribe` hook. */
  data?: unknown;
  /** Whether the channel keeps history, so that a later resubscribe can recover. */
  recoverable?: boolean;
  /** Current stream position (when recoverable). */
  offset?: number;
  epoch?: string;
  /** Present when recovery was asked for: true when every missed publication follows. */
  recovered?: boolean;
  /** Missed publications, oldest first, when recovered. */
  publications?: PublicationData[];
  /**
   * With `paged` and `recovered: true`: the missed publications did not fit in one reply.
   * Those after the last one in `publications`, up to `offset`, are read with `history`
   * (`since` that last offset, or `since` itself when `publications` is empty).
   */
  more?: true;
  /**
   * Present when the subscription token expires: send `sub_refresh` within this many ms, or the
   * server ends the subscription with an `unsubscribe` push (code 109).
   */
  expiresInMs?: number;
}

export type UnsubscribeResult = Record<string, never>;

export interface PublishResult {
  /** Offset given to the publication (channels with history). */
  offset?: number;
  epoch?: string;
}

export interface RpcResult {
  data?: unknown;
}

export type SendResult = Record<string, never>;
export type PingResult = Record<string, never>;

/** Answer to `refresh` and `sub_refresh`: when the new token expires (absent: never). */
export interface RefreshResult {
  expiresInMs?: number;
}

export interface HistoryResult {
  /** Oldest first (newest first with `reverse`), each with its offset. */
  publications: PublicationData[];
  /** The stream's current position: offset of the latest publication (0 if none). */
  offset: number;
  epoch: string;
  /**
   * The reply was cut by the server's page size (ConnectResult.maxPageBytes) before `limit` or
   * the end: read on from the last publication received (see docs/protocol.md, history).
   */
  more?: true;
}

/**
 * Answer to `resume`. With `more`, the channel is still behind: deliver `publications` and send
 * `resume` again from the last one. Without it, live pushes start right after this reply.
 * `recovered: false`: the position was trimmed from history or belongs to another epoch; live
 * pushes start from `offset`, and what was missed in between is lost.
 */
export interface ResumeResult {
  /** The publications after `since`, oldest first (one page); empty when not recovered. */
  publications: PublicationData[];
  /** The stream's current position. */
  offset: number;
  epoch: string;
  recovered: boolean;
  more?: true;
}

export interface PresenceResult {
  /** Present connections keyed by client id. */
  clients: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  /** Connections present. */
  clients: number;
  /** Distinct users present (anonymous connections count as one). */
  users: number;
}

export interface ResultMap {
  connect: ConnectResult;
  subscribe: SubscribeResult;
  unsubscribe: UnsubscribeResult;
  publish: PublishResult;
  rpc: RpcResult;
  send: SendResult;
  ping: PingResult;
  refresh: RefreshResult;
  sub_refresh: RefreshResult;
  history: HistoryResult;
  resume: ResumeResult;
  presence: PresenceResult;
  presence_stats: PresenceStatsResult;
}

/** A reply answers the command with the same id: a result or an error, never both. */
export type Reply = { id: number; result: unknown } | { id: number; error: ErrorShape };

// ---------------------------------------------------------------------------------------------
// Pushes (server -> client, no id)

/** Who published, attached to publications from clients and to join/leave. */
export interface ClientInfo {
  client: string;
  user: string;
  /** Connection data chosen by the application (onConnecting `info`). */
  info?: unknown;
}

/** A publication as it travels inside pushes and subscribe results. */
export interface PublicationData {
  data: unknown;
  event?: string;
  /** Position in the channel's stream (namespaces with history; never on ephemeral ones). */
  offset?: number;
  /** Epoch of `offset` (in publication pushes; subscribe and history results carry it once). */
  epoch?: string;
  info?: ClientInfo;
}

export interface PublicationPush extends PublicationData {
  type: 'publication';
  channel: string;
}

/** Direct server -> client message (to one connection or all of a user's). */
export interface MessagePush {
  type: 'message';
  data: unknown;
}

export interface JoinPush {
  type: 'join';
  channel: string;
  info: ClientInfo;
}

export interface LeavePush {
  type: 'leave';
  channel: string;
  info: ClientInfo;
}

/** The server subscribed this connection to a channel (server-side subscription). */
export interface SubscribePush {
  type: 'subscribe';
  channel: string;
  data?: unknown;
}

/** The server ended this connection's subscription. */
export interface UnsubscribePush {
  type: 'unsubscribe';
  channel: string;
  code: number;
  reason: string;
}

/**
 * The server is closing the connection. On WebSocket the close frame carries the same code and
 * reason; this push exists for transports without close codes.
 */
export interface DisconnectPush {
  type: 'disconnect';
  code: number;
  reason: string;
  reconnect: boolean;
}

/**
 * The connection's send queue overflowed on a channel whose namespace catches up
 * (`slowConsumer: 'catch-up'`): the server stopped pushing its publications after `offset`
 * (the last one it sent) and the connection stays open. Read the rest with `resume`.
 */
export interface BehindPush {
  type: 'behind';
  channel: string;
  offset: number;
  epoch: string;
}

/** Heartbeat: answer with a `ping` command. */
export interface PingPush {
  type: 'ping';
}

export type Push =
  PublicationPush | MessagePush | JoinPush | LeavePush | SubscribePush | UnsubscribePush | DisconnectPush | PingPush | BehindPush;

export type PushType = Push['type'];

export const PUSH_TYPES: readonly PushType[] = [
  'publication',
  'message',
  'join',
  'leave',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'ping',
  'behind',
];

/** Anything the server writes. */
export type ServerFrame = Reply | Push;
