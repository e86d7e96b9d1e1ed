/**
 * @module events
 * Hook types, in pairs: what a hook receives (`*Event`) and what it may return (`*HookResult`).
 *
 * Every hook may also throw: a ReplyError is sent to the client as the command's error, a
 * Disconnect closes the connection with its code, anything else becomes ReplyError 100
 * (internal) for the client and is logged in full. (`*HookResult` rather than `*Result`
 * because ConnectResult/SubscribeResult already name the wire results in @relais/protocol.)
 */
import type { ClientInfo } from '@relais/protocol';
import type { TokenClaims } from './auth/verifier.js';
import type { TransportInfo } from './transport.js';

type Awaitable<T> = T | Promise<T>;

/** The connection a hook runs for. */
export interface ClientDetails extends ClientInfo {
  transport: TransportInfo;
  /** Claims of the connection token (latest refresh), when the node verified one (option `auth`). */
  claims?: TokenClaims;
}

/**
 * A client sent `connect`. Security: `token` and `data` come from the client unchecked;
 * authenticate before trusting them.
 */
export interface ConnectEvent {
  /** Id the server gave this connection. */
  client: string;
  transport: TransportInfo;
  name?: string;
  version?: string;
  token?: string;
  data?: unknown;
  /**
   * With option `auth`: the verified token's `sub` ('' for an anonymous connection). A hook may
   * still return another `user`, or throw to refuse the connection.
   */
  user?: string;
  /** With option `auth`: every claim of the verified token (custom ones included). */
  claims?: TokenClaims;
}

export interface ConnectHookResult {
  /** Authenticated user id. @default the token's `sub` with option `auth`, else '' (anonymous) */
  user?: string;
  /** Connection info attached to this client's publications. */
  info?: unknown;
  /** Sent back in ConnectResult.data. */
  data?: unknown;
  /** Server-side subscriptions made before the reply, listed in ConnectResult.channels. */
  channels?: string[];
  /**
   * When the connection must be refreshed (ms since the epoch), replacing the token's `exp`:
   * then onRefresh hooks run, and without them, or if they give no new deadline, it closes with 3005.
   */
  expiresAt?: number;
}

export type ConnectingHook = (event: ConnectEvent) => Awaitable<ConnectHookResult | void>;

/**
 * A client asks to subscribe, and the namespace's access rule allowed it. Security: `data` and
 * `token` come from the client; `claims` are verified (present for `token` access).
 */
export interface SubscribeEvent {
  client: ClientDetails;
  channel: string;
  data?: unknown;
  token?: string;
  /** Claims of the verified subscription token (namespaces with subscribeAccess 'token'). */
  claims?: TokenClaims;
}

export interface SubscribeHookResult {
  /** Sent back in SubscribeResult.data. */
  data?: unknown;
  /**
   * When the subscription must be refreshed (ms since the epoch): then onSubRefresh hooks run,
   * and without them, or if they give no new deadline, it ends with an `unsubscribe` push 109.
   */
  expiresAt?: number;
}

/** A subscription's deadline (an onSubscribe hook's `expiresAt`) passed. */
export interface SubRefreshEvent {
  client: ClientDetails;
  channel: string;
}

/**
 * Decides whether a subscription whose deadline passed lives on: as RefreshHook, but ending
 * only the subscription (unsubscribe push 109, the SDK subscribes again) when it returns nothing
 * or `expired`.
 */
export type SubRefreshHook = (event: SubRefreshEvent) => Awaitable<RefreshHookResult | void>;

export type SubscribeHook = (event: SubscribeEvent) => Awaitable<SubscribeHookResult | void>;

/** A client publishes. Security: `data` is client payload; validate it before it fans out. */
export interface PublishEvent {
  client: ClientDetails;
  channel: string;
  data: unknown;
  event?: string;
  /** True for an ephemeral publish: delivered live only, never kept in history. */
  ephemeral?: boolean;
}

export interface PublishHookResult {
  /** Replaces the publication's data (when the key is present). */
  data?: unknown;
}

export type PublishHook = (event: PublishEvent) => Awaitable<PublishHookResult | void>;

/** A connection's deadline (token `exp`, or a connect hook's `expiresAt`) passed without a client `refresh`. */
export interface RefreshEvent {
  client: ClientDetails;
}

export interface RefreshHookResult {
  /** The new deadline (ms since the epoch); absent: the connection has none any more. */
  expiresAt?: number;
  /** True: the connection is over, close it with 3005. */
  expired?: boolean;
}

/**
 * Decides whether a connection whose deadline passed lives on. Returning nothing (or
 * `expired`) closes it with 3005; throwing a Disconnect closes it with that code; any other
 * throw (a backend down) is logged and the question is asked again in REFRESH_RETRY_MS.
 */
export type RefreshHook = (event: RefreshEvent) => Awaitable<RefreshHookResult | void>;

/** A client sent data to the server (`send`). Security: `data` is client payload. */
export interface ClientMessageEvent {
  client: ClientDetails;
  data: unknown;
}

export type MessageHook = (event: ClientMessageEvent) => Awaitable<void>;

/** A client called an RPC method. Security: `data` is client payload. */
export interface RpcEvent {
  client: ClientDetails;
  method: string;
  data: unknown;
}

/** Answers one RPC method; the returned value is sent as RpcResult.data. */
export type RpcHandler = (event: RpcEvent) => Awaitable<unknown>;
