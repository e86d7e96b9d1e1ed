/**
 * @module demo/counter
 * Server side of the click counter (seed 001): one global count in this node's memory, read and
 * incremented by RPC, and announced on the `demo:counter` channel after every click.
 */
import type { Relais } from '../node.js';

/** Server-only channel carrying `{ count }` after every increment. */
export const COUNTER_CHANNEL = 'demo:counter';
/** RPC: `{ count }`. */
export const COUNTER_GET_RPC = 'counter.get';
/** RPC: adds one click; `{ count }` after it. Not resent by the SDK after a lost connection. */
export const COUNTER_INCREMENT_RPC = 'counter.increment';

export interface CounterState {
  count: number;
}

/** Registers the counter's RPCs on `relais`; returns a disposer removing them. */
export function installCounter(relais: Relais): () => void {
  let count = 0;
  const disposers = [
    relais.rpc(COUNTER_GET_RPC, (): CounterState => ({ count })),
    relais.rpc(COUNTER_INCREMENT_RPC, async (): Promise<CounterState> => {
      count += 1;
      const state = { count };
      await relais.publish(COUNTER_CHANNEL, state);
      return state;
    }),
  ];
  return () => {
    for (const dispose of disposers) dispose();
  };
}
