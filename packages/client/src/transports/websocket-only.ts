/**
 * @module transports/websocket-only
 * The transport chooser of a client on WebSocket alone (the default): every attempt opens a
 * WebSocket, and there is nothing to fall back to or move back up from. A client given HTTP
 * fallbacks gets theirs (the TransportLadder) instead.
 */
import { InvalidOptionsError } from '../errors.js';
import type { Timers } from '../timer.js';
import { NEEDS_WEBSOCKET, webSocketOf, type ChooserOptions, type FallbackTransport, type TransportChooser } from './chooser.js';
import type { OpenTransport } from './client-transport.js';
import { WebSocketTransport, type WebSocketConstructor } from './websocket.js';

export class WebSocketOnly implements TransportChooser {
  readonly current = 'websocket';
  readonly #url: string;
  readonly #websocket: WebSocketConstructor;

  /** Throws InvalidOptionsError when the runtime has no WebSocket and none is given. */
  constructor(url: string, options: Pick<ChooserOptions, 'websocket'>) {
    const websocket = webSocketOf(options);
    if (!websocket) throw new InvalidOptionsError(`no transport can run in this runtime: websocket needs ${NEEDS_WEBSOCKET}`);
    this.#url = url;
    this.#websocket = websocket;
  }

  opener(subprotocols: readonly string[]): OpenTransport {
    return (handlers) => new WebSocketTransport(this.#websocket, this.#url, subprotocols, handlers);
  }

  connected(): void {}

  lost(): void {}

  stopProbe(): void {}
}

/** The chooser of `options.transports`: the one its fallbacks bring, else WebSocket alone. */
export function chooseTransports(url: string, options: ChooserOptions, timers: Timers): TransportChooser {
  const fallback = options.transports.find((transport): transport is FallbackTransport => transport !== 'websocket');
  return fallback ? fallback.chooser(url, options, timers) : new WebSocketOnly(url, options);
}
