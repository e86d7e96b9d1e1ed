/**
 * @module transports/client-transport
 * The role every client transport plays (WebSocket, HTTP streaming, SSE): frames out, frames
 * in, one close. The Connection above speaks the protocol; a transport knows none of it. The
 * HTTP fallbacks are opt-in imports (`@relais/client/fallback`) that plug in as FallbackTransport.
 */
import type { Frame } from '@relais/protocol';
import type { EventSourceConstructor, FetchLike } from './fetch.js';

/** The transports a client can use: `websocket` is built in, the others come from `@relais/client/fallback`. */
export type TransportKind = 'websocket' | 'http_stream' | 'sse' | 'long_poll';

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
}

/** One entry of the `transports` option. */
export type TransportOption = 'websocket' | FallbackTransport;

export interface TransportHandlers {
  open(): void;
  message(frame: Frame, sizeBytes: number): void;
  /** Called once, whoever closed. */
  close(code: number, reason: string): void;
  error(cause: unknown): void;
}

export interface ClientTransport {
  /** Whether frames can be sent now. */
  readonly isOpen: boolean;
  send(frame: Frame): void;
  /** Closes without calling the `close` handler: the caller already knows why. */
  close(code?: number, reason?: string): void;
}

/** Opens a transport that reports to `handlers`. */
export type OpenTransport = (handlers: TransportHandlers) => ClientTransport;

const encoder = new TextEncoder();

/** UTF-8 size of a text frame, byte length of a binary one. */
export function frameBytes(frame: Frame): number {
  return typeof frame === 'string' ? encoder.encode(frame).byteLength : frame.byteLength;
}

/** The close code of a stream that ended without a `disconnect` push: a transport failure. */
export const ABNORMAL_CLOSE = 1006;
