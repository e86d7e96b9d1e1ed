/**
 * @module transports/chooser
 * Which transport each connection attempt uses. `'websocket'` is built in; the HTTP fallbacks
 * are opt-in imports (`@relais/client/fallback`) that plug in as FallbackTransport and bring
 * the TransportLadder with them, so a client on WebSocket alone ships neither.
 */
import type { Timers } from '../timer.js';
import type { ClientTransport, OpenTransport, TransportHandlers, TransportKind } from './client-transport.js';
import type { EventSourceConstructor, FetchLike } from './fetch.js';
import type { WebSocketConstructor } from './websocket.js';

/** What an HTTP fallback may take from the client options (else the runtime's globals). */
export interface TransportEnvironment {
  readonly fetch: FetchLike | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
}

/**
 * An HTTP fallback transport (`httpStream`, `sse`, `longPoll` from `@relais/client/fallback`),
 * given in the client's `transports` option next to `'websocket'`.
 */
export interface FallbackTransport {
  readonly kind: Exclude<TransportKind, 'websocket'>;
  /** What this runtime lacks to run it (the option to pass), or undefined when it can run. */
  missing(env: TransportEnvironment): string | undefined;
  /** Opens one session to the HTTP endpoints that go with the WebSocket URL `url`. */
  open(env: TransportEnvironment, url: string, handlers: TransportHandlers): ClientTransport;
  /**
   * Makes the chooser of a client whose `transports` hold fallbacks (the TransportLadder): it
   * comes with them, so that a client on WebSocket alone does not ship it.
   */
  chooser(url: string, options: ChooserOptions, timers: Timers): TransportChooser;
}

/** One entry of the `transports` option. */
export type TransportOption = 'websocket' | FallbackTransport;

/** The options a TransportChooser reads. */
export interface ChooserOptions extends TransportEnvironment {
  transports: readonly TransportOption[];
  websocket: WebSocketConstructor | undefined;
  transportRetryMs: number;
}

/**
 * Which transport each connection attempt uses, told how attempts end. A client on WebSocket
 * alone has the trivial one (transports/websocket-only); with fallbacks, the TransportLadder.
 */
export interface TransportChooser {
  /** The transport of the current (or next) attempt. */
  readonly current: TransportKind;
  /** Opens the current transport for one connection attempt; a WebSocket offers `subprotocols`. */
  opener(subprotocols: readonly string[]): OpenTransport;
  /** The attempt connected; `moveBackUp` is called when a better transport opens again. */
  connected(moveBackUp: () => void): void;
  /** The connection ended. */
  lost(): void;
  /** Stops looking for a better transport (the client closes or moves). */
  stopProbe(): void;
}

/** The WebSocket constructor of the options, else the runtime's; undefined when there is none. */
export function webSocketOf(options: { websocket: WebSocketConstructor | undefined }): WebSocketConstructor | undefined {
  return options.websocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/** What a runtime without a WebSocket is told to pass. */
export const NEEDS_WEBSOCKET = "options.websocket (in Node: import WebSocket from 'ws')";
