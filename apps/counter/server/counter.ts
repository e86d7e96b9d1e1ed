/**
 * @module counter/server/counter
 * Server half of the click counter (seed 001): one global count in this node's memory, read and
 * incremented by RPC, and announced on the `demo:counter` channel after every click.
 */
import type { Relais } from '@relais/server';
import { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC, type CounterState } from '../shared/protocol.js';

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
