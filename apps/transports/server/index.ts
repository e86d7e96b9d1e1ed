/**
 * @module @relais/app-transports/server
 * The transports page's server half, installed by `relais serve`. It uses only the public API of
 * @relais/server.
 * @example
 * const relais = createRelais();
 * installTicks(relais);
 */
export { installTicks, type TicksOptions } from './ticks.js';
export { TICKS_CHANNEL, TICKS_POLL_PATH, TICKS_START_RPC, type Tick } from '../shared/protocol.js';
