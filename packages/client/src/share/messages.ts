/**
 * @module share/messages
 * What the tabs sharing one connection say to each other over their BroadcastChannel: tabs ask
 * the leader (subscribe, unsubscribe, calls), the leader tells every tab (publications, states,
 * replies). Plain structured-clone data; errors travel as their shape and are rebuilt.
 */
import type { ClientInfo, ConnectResult, StreamPosition } from '@relais/protocol';
import type { ClientState } from '../events.js';
import {
  ClientClosedError,
  ConnectionLostError,
  DisconnectedError,
  InvalidOptionsError,
  MessageTooLargeError,
  NotConnectedError,
  QueueFullError,
  RelaisError,
  ServerError,
  TimeoutError,
  type RelaisErrorCode,
} from '../errors.js';
import type { Publication, SubscriptionState } from '../subscription-types.js';
import type { TransportKind } from '../transports/client-transport.js';

/** The subscribe options that can cross to another tab (no functions). */
export interface SharedSubscribeOptions {
  data?: unknown;
  token?: string;
  joinLeave?: boolean;
  recover?: boolean;
  timeoutMs?: number;
}

/** The calls a tab hands to the leader, with their arguments. */
export type SharedCall =
  | {
      method: 'publish';
      channel: string;
      data: unknown;
      event?: string;
      excludeSelf?: boolean;
      ephemeral?: boolean;
      idempotencyKey?: string;
      timeoutMs?: number;
    }
  | { method: 'rpc'; name: string; data?: unknown; idempotencyKey?: string; timeoutMs?: number }
  | { method: 'send'; data: unknown; timeoutMs?: number }
  | { method: 'history'; channel: string; limit?: number; since?: StreamPosition; reverse?: boolean; timeoutMs?: number }
  | { method: 'presence'; channel: string; timeoutMs?: number }
  | { method: 'presence_stats'; channel: string; timeoutMs?: number }
  /** The shared connection's `client.stats()`. */
  | { method: 'stats'; timeoutMs?: number };

/** An error as it crosses tabs. */
export interface ErrorData {
  name: string;
  code: RelaisErrorCode;
  message: string;
  serverCode?: number;
  temporary?: boolean;
  timeoutMs?: number;
}

/** Tab -> leader. */
export type TabMessage =
  | { type: 'hello'; tab: string }
  | { type: 'bye'; tab: string }
  | { type: 'subscribe'; tab: string; channel: string; options: SharedSubscribeOptions; since?: StreamPosition }
  | { type: 'unsubscribe'; tab: string; channel: string }
  | { type: 'call'; tab: string; id: number; call: SharedCall };

/** What every tab knows of the shared connection: its transport, and its latest connect result. */
export interface ConnectionFacts {
  transport: TransportKind;
  connectResult?: ConnectResult;
}

/** Leader -> tabs. */
export type LeaderMessage =
  | ({ type: 'leader'; tab: string; state: ClientState } & ConnectionFacts)
  /** Without the facts when the leader left. */
  | ({ type: 'state'; state: ClientState; reason?: string } & Partial<ConnectionFacts>)
  /** The shared connection connected (the Client's `connected` event). */
  | ({ type: 'connected' } & Required<ConnectionFacts>)
  /** A connection-level problem (the Client's `error` event). */
  | { type: 'error'; error: ErrorData }
  | {
      type: 'sub-state';
      channel: string;
      state: SubscriptionState;
      position?: StreamPosition;
      recovered?: boolean;
      reason?: string;
      error?: ErrorData;
      /** What the server's onSubscribe hook returned, on 'subscribed'. */
      data?: unknown;
    }
  | { type: 'publication'; channel: string; publication: Publication }
  | { type: 'presence'; channel: string; kind: 'join' | 'leave'; info: ClientInfo }
  | { type: 'message'; data: unknown }
  /**
   * A tab behind the shared subscription is caught up from history: `done: false` first (the
   * tab holds live publications back), then `done: true` with what it missed.
   */
  | { type: 'catch-up'; tab: string; channel: string; done: boolean; publications?: Publication[]; error?: ErrorData }
  | { type: 'reply'; tab: string; id: number; result?: unknown; error?: ErrorData };

export type ShareMessage = TabMessage | LeaderMessage;

/** The part of a BroadcastChannel the share uses; messages never come back to their sender. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

export function errorData(error: unknown): ErrorData {
  if (error instanceof ServerError) {
    return { name: error.name, code: error.code, message: error.message, serverCode: error.serverCode, temporary: error.temporary };
  }
  if (error instanceof TimeoutError) return { name: error.name, code: error.code, message: error.message, timeoutMs: error.timeoutMs };
  if (error instanceof RelaisError) return { name: error.name, code: error.code, message: error.message };
  return { name: 'RelaisError', code: 'RELAIS_ERR_TRANSPORT', message: String(error) };
}

/** A RelaisError of the same class where the class matters to callers, else a base one. */
export function fromErrorData(data: ErrorData): RelaisError {
  if (data.serverCode !== undefined) {
    // The message already ends with " (code)": rebuild the shape the wire had.
    const message = data.message.replace(/ \(\d+\)$/, '');
    return new ServerError({ code: data.serverCode, message, temporary: data.temporary ?? false });
  }
  if (data.code === 'RELAIS_ERR_TIMEOUT' && data.timeoutMs !== undefined) {
    const what = data.message.replace(/ timed out after \d+ ms$/, '');
    return new TimeoutError(what, data.timeoutMs);
  }
  if (data.code === 'RELAIS_ERR_CONNECTION_LOST')
    return new ConnectionLostError(/before the (\S+) reply/.exec(data.message)?.[1] ?? 'call');
  const error = new RelaisError(data.code, data.message);
  // The class, for `instanceof` (its extra fields, like QueueFullError's maxQueueSize, stay behind).
  const prototype = PROTOTYPES[data.code];
  if (prototype) Object.setPrototypeOf(error, prototype);
  Object.defineProperty(error, 'name', { value: data.name });
  return error;
}

const PROTOTYPES: Partial<Record<RelaisErrorCode, object>> = {
  RELAIS_ERR_INVALID_OPTIONS: InvalidOptionsError.prototype,
  RELAIS_ERR_CLIENT_CLOSED: ClientClosedError.prototype,
  RELAIS_ERR_DISCONNECTED: DisconnectedError.prototype,
  RELAIS_ERR_QUEUE_FULL: QueueFullError.prototype,
  RELAIS_ERR_MESSAGE_TOO_LARGE: MessageTooLargeError.prototype,
  RELAIS_ERR_NOT_CONNECTED: NotConnectedError.prototype,
};
