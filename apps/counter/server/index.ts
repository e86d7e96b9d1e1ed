/**
 * @module @relais/app-counter/server
 * The counter's server half, installed by `relais serve`. It uses only the public API of
 * @relais/server.
 * @example
 * const relais = createRelais();
 * installCounter(relais);
 */
export { installCounter } from './counter.js';
export { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC, type CounterState } from '../shared/protocol.js';
