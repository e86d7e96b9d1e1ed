/**
 * @module transport
 * The Transport role: moves encoded frames of one connection. It never decodes or interprets
 * them; the adapter feeds inbound messages to `Session.handleMessage`.
 */
import type { Codec, Frame, Push } from '@relais/protocol';

/** What hooks learn about the connection's transport. */
export interface TransportInfo {
  /** Transport name, e.g. `websocket`. */
  name: string;
  /** Peer address as seen by this node (behind a proxy: the proxy's). */
  remoteAddress?: string;
  /**
   * Request headers of the upgrade (lower-case names), without those of the WebSocket
   * handshake itself (`connection`, `upgrade`, `sec-websocket-key`, `-version`, `-extensions`);
   * the negotiated subprotocol is `subprotocol`.
   */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Negotiated subprotocol; undefined when the client offered none (JSON). */
  subprotocol?: string;
  /** Request target of the upgrade (path and query), e.g. `/connection/websocket?token=…`. */
  url?: string;
}

export interface Transport {
  /** Codec negotiated for this connection. */
  readonly codec: Codec;
  readonly info: TransportInfo;
  /** Bytes written but not yet sent to the peer. */
  readonly bufferedBytes: number;
  /** Sends one transport message. May throw when the transport is broken. */
  write(frame: Frame): void;
  /**
   * Closes the connection with a close code and a reason (at most 123 bytes of UTF-8; the
   * adapter truncates). Idempotent. Frames written before are sent before the close.
   */
  close(code: number, reason: string): void;
}

/**
 * A transport inside the node's process that takes pushes as values (a protocol front-end, see
 * frontends/in-process-connection.ts). Its session hands it each push unencoded and at once (no
 * outbox, no coalescing, no heartbeat: the front-end's own protocol keeps the peer alive), and
 * one publication's fan-out hands every such transport of the node the same push object. Only
 * replies (and the rare push encoded before it reaches the session) still come as frames.
 */
export interface PushTransport extends Transport {
  /** One push, never changed afterwards by the node, nor by the transport. May throw when broken. */
  push(value: Push): void;
}

/** Whether `transport` takes pushes as values. */
export function takesPushes(transport: Transport): transport is PushTransport {
  return typeof (transport as Partial<PushTransport>).push === 'function';
}

/** Truncates `reason` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateReason(reason: string, maxBytes = 123): string {
  if (Buffer.byteLength(reason) <= maxBytes) return reason;
  let out = '';
  let bytes = 0;
  for (const char of reason) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

/** The last text frame measured: a fan-out measures the same frame once per subscriber. */
let lastText: string | undefined;
let lastTextBytes = 0;

/** Size of a frame in bytes. */
export function frameBytes(frame: Frame): number {
  if (typeof frame !== 'string') return frame.byteLength;
  if (frame !== lastText) {
    lastText = frame;
    lastTextBytes = Buffer.byteLength(frame);
  }
  return lastTextBytes;
}
