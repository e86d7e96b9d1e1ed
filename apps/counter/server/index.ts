/**
 * @module @relais/app-counter/server
 * The counter's server half, installed by `relais serve`: the native counter's RPCs and the
 * Socket.IO page's server (seed 001), sharing one count. It uses only the public API of
 * @relais/server and @relais/socketio.
 * @example
 * const relais = createRelais();
 * const counter = new ClickCounter(relais);
 * installCounter(relais, counter);
 * installSocketIoCounter(relais, counter);
 */
export { ClickCounter, installCounter, type ClickListener, type ClickSource } from './counter.js';
export { installSocketIoCounter, SOCKETIO_CLICK_EVENT } from './socketio-counter.js';
export { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC, type CounterState } from '../shared/protocol.js';
