/**
 * @module connection-state
 * A readable store of a client's connection state, for "reconnecting…" indicators.
 */
import type { Client, ClientState, RelaisError } from '@relais/client';
import { readable, type Readable } from 'svelte/store';

/** The store value: the state and, after a change, why it happened and when the next retry is. */
export interface ConnectionStateValue {
  state: ClientState;
  /** Disconnect code of the latest change, when there was one. */
  code?: number;
  reason?: string;
  error?: RelaisError;
  /** When 'disconnected' with a retry planned: the clock time (ms) the next attempt starts. */
  nextRetryAt?: number;
}

/**
 * Follows `client`'s `state` events while the store has subscribers.
 * @example
 * const conn = connectionState(client);
 * // in a component: {#if $conn.state !== 'connected'}reconnecting…{/if}
 */
export function connectionState(client: Client): Readable<ConnectionStateValue> {
  return readable<ConnectionStateValue>({ state: client.state }, (set) => {
    set({ state: client.state });
    return client.on('state', ({ state, code, reason, error, nextRetryAt }) => {
      const value: ConnectionStateValue = { state };
      if (code !== undefined) value.code = code;
      if (reason !== undefined) value.reason = reason;
      if (error !== undefined) value.error = error;
      if (nextRetryAt !== undefined) value.nextRetryAt = nextRetryAt;
      set(value);
    });
  });
}
