/**
 * @module subscription-types
 * The public shapes of a subscription: its states and events, publications, history pages and
 * the options of subscribe, publish and history.
 */
import type { ClientInfo, StreamPosition } from '@relais/protocol';
import type { RelaisError } from './errors.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** A publication delivered to a subscription. */
export interface Publication<T = unknown> {
  channel: string;
  data: T;
  event?: string;
  /** Position in the channel's stream (namespaces with history; never on ephemeral ones). */
  offset?: number;
  /** Epoch of `offset`, on live publications. */
  epoch?: string;
  /** Who published, for publications from clients. */
  info?: ClientInfo;
}

export interface HistoryOptions {
  /** At most this many publications; 0 returns only the current position. @default all kept */
  limit?: number;
  /** Only publications after this position (none when its epoch is not the stream's). */
  since?: StreamPosition;
  /** Newest first. @default false */
  reverse?: boolean;
  /** Per-call timeout, offline wait included, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

export interface HistoryPage<T = unknown> {
  publications: Publication<T>[];
  /** The stream's current position: offset of its latest publication (0 if none). */
  offset: number;
  epoch: string;
}

/** Payload of a subscription's `state` event. */
export interface SubscriptionStateChange {
  state: SubscriptionState;
  previous: SubscriptionState;
  /** Server unsubscribe code (from an `unsubscribe` push). */
  code?: number;
  reason?: string;
  error?: RelaisError;
  /** On 'subscribed' after a resubscribe that asked for recovery. */
  recovered?: boolean;
}

export interface SubscriptionEvents<T> {
  state: SubscriptionStateChange;
  publication: Publication<T>;
  error: RelaisError;
  join: ClientInfo;
  leave: ClientInfo;
}

export interface SubscribeOptions {
  /** Application data for the server's onSubscribe hook. */
  data?: unknown;
  /** Subscription token for private channels; without it, getToken (if given) provides the first. */
  token?: string;
  /**
   * Returns a fresh subscription token: before the current one expires (sent with
   * `sub_refresh`), after a subscribe reply 109, and when the server ends the subscription
   * because its token expired (unsubscribe push 109; the client then subscribes again).
   */
  getToken?: (channel: string) => string | Promise<string>;
  /** Ask the server for join/leave pushes (namespaces with joinLeave). @default false */
  joinLeave?: boolean;
  /**
   * After a reconnect, ask for the publications missed since the last one received (namespaces
   * with history); the 'subscribed' state change then carries `recovered`. @default true
   */
  recover?: boolean;
  /**
   * Start from this stream position: the first subscribe asks for the publications after it,
   * as a resubscribe would (namespaces with history). For state kept elsewhere (a shared
   * connection's new leader, a page that saved its position).
   */
  since?: StreamPosition;
  /** Timeout of each subscribe command, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

export interface PublishOptions {
  /** Event name inside the channel (`message`, `typing`, …). */
  event?: string;
  /** Do not deliver the publication back to this connection. @default false */
  excludeSelf?: boolean;
  /**
   * Deliver live only (typing indicators, cursors): never stored, never given an offset, never
   * recovered. Sent only on a live connection: never queued offline, never resent.
   * @default false
   */
  ephemeral?: boolean;
  /**
   * The publish's idempotency key, for a publish resent from elsewhere (the durable outbox, a
   * shared connection's new leader): the server delivers it once per key and channel within its
   * idempotencyTtlMs. @default a new random key per call
   */
  idempotencyKey?: string;
  /** Per-call timeout, offline wait included, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}
