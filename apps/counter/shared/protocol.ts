/**
 * @module counter/shared/protocol
 * The counter's wire contract, written once for its two halves: the page (src/) and the server
 * half (server/). It imports nothing, so the page depends on @relais/client and @relais/svelte only.
 */

/** Server-only channel carrying `{ count }` after every increment. */
export const COUNTER_CHANNEL = 'demo:counter';
/** RPC: `{ count }`. */
export const COUNTER_GET_RPC = 'counter.get';
/** RPC: adds one click; `{ count }` after it. Not resent by the SDK after a lost connection. */
export const COUNTER_INCREMENT_RPC = 'counter.increment';

/** What the RPCs answer and the channel carries. */
export interface CounterState {
  count: number;
}

/** The count in an RPC result or a publication; undefined when it carries none. */
export function countOf(value: unknown): number | undefined {
  const n = (value as Partial<CounterState> | null)?.count;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}
