/**
 * @module transports/client-transport
 * The role every client transport plays (WebSocket, HTTP streaming, SSE): frames out, frames
 * in, one close. The Connection above speaks the protocol; a transport knows none of it.
 */
import type { Frame } from '@relais/protocol';

/** The transports a client can use, in the order it tries them by default. */
export const TRANSPORT_KINDS = ['websocket', 'http_stream', 'sse', 'long_poll'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

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

/**
 * The HTTP endpoints that go with a WebSocket URL: `ws(s)://host/…/connection/websocket` gives
 * `http(s)://host/…/connection/{http_stream,sse,long_poll,poll,emulation}`. Any other path: the same origin with
 * the default paths.
 */
export function httpEndpoints(websocketUrl: string): { stream: string; sse: string; longPoll: string; poll: string; emulation: string } {
  const url = new URL(websocketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.search = '';
  url.hash = '';
  const base = url.pathname.endsWith('/connection/websocket') ? url.pathname.slice(0, -'/websocket'.length) : '/connection';
  const at = (name: string): string => new URL(`${base}/${name}`, url).href;
  return { stream: at('http_stream'), sse: at('sse'), longPoll: at('long_poll'), poll: at('poll'), emulation: at('emulation') };
}

/** The `disconnect` push an HTTP stream ends with, if `text` is one. */
export function disconnectOf(text: string): { code: number; reason: string } | undefined {
  if (!text.startsWith('{"type":"disconnect"')) return undefined;
  try {
    const push = JSON.parse(text) as { code?: unknown; reason?: unknown };
    if (typeof push.code === 'number') return { code: push.code, reason: typeof push.reason === 'string' ? push.reason : '' };
  } catch {
    // Not a frame this transport understands: the Connection reports it.
  }
  return undefined;
}
