/**
 * @module events
 * The client's states and events, with their payloads.
 */
import type { ConnectResult } from '@relais/protocol';
import type { RelaisError } from './errors.js';
import type { Subscription } from './subscription.js';

export type ClientState = 'disconnected' | 'connecting' | 'connected' | 'closed';

/** Payload of the `state` event. */
export interface StateChange {
  state: ClientState;
  previous: ClientState;
  /** Disconnect code (WebSocket close code or `disconnect` push) that caused the change. */
  code?: number;
  reason?: string;
  /** Local cause: transport, heartbeat, connect timeout, token, protocol, server refusal… */
  error?: RelaisError;
  /** On 'disconnected': when the next attempt starts (clock ms); absent when no retry is planned. */
  nextRetryAt?: number;
  /** On 'disconnected' with a retry: the attempt number passed to `backoff` (0 for the first). */
  attempt?: number;
}

export interface ClientEvents {
  state: StateChange;
  connected: ConnectResult;
  /** A connection-level problem (at most one per connection); calls reject with their own errors. */
  error: RelaisError;
  /** A `message` push (server -> this connection). */
  message: unknown;
  /** The server subscribed this connection to a channel (server-side subscription). */
  subscribed: Subscription;
  /** The server ended a subscription. */
  unsubscribed: { subscription: Subscription; code?: number; reason: string };
}

/** Options of one call. */
export interface CallOptions {
  /** Per-call timeout, offline wait included, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

/** Options of one RPC. */
export interface RpcOptions extends CallOptions {
  /**
   * Makes the call safe to resend: 1–64 characters, unique per logical call (e.g. a UUID). The
   * server runs the handler once per (user, method, key) within its idempotencyTtlMs and answers
   * repeats with the first reply, so the client resends the call after a dropped connection.
   * Without it a call is never resent. @default none
   */
  idempotencyKey?: string;
}
