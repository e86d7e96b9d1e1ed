/**
 * @module transports/client-transport
 * The role every client transport plays (WebSocket, HTTP streaming, SSE): frames out, frames
 * in, one close. The Connection above speaks the protocol; a transport knows none of it. Which
 * transport an attempt uses is a TransportChooser's business (transports/chooser).
 */
import type { Frame } from '@relais/protocol';

/** The transports a client can use: `websocket` is built in, the others come from `@relais/client/fallback`. */
export type TransportKind = 'websocket' | 'http_stream' | 'sse' | 'long_poll';

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
