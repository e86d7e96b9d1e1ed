/**
 * @module engine/transport
 * The role an Engine.IO transport plays for its session: it moves packets and reports what it
 * received and how it ended. Polling and WebSocket implement it.
 */
import type { EnginePacket } from './packet.js';

/** What a transport reports to the session that owns it. */
export interface TransportEvents {
  /** Packets the client sent, decoded, in order. */
  onPackets(packets: EnginePacket[]): void;
  /** The transport can take packets now (a poll arrived). */
  onWritable(): void;
  /** The client broke the protocol or the transport failed; the session closes. */
  onError(reason: string): void;
  /** The underlying connection ended. */
  onClose(reason: string): void;
}

export interface EngineTransport {
  readonly name: 'polling' | 'websocket';
  /** Whether `send` can deliver now: a poll is waiting, or the WebSocket is open. */
  readonly writable: boolean;
  /** Bytes written but not yet sent (WebSocket), 0 for polling. */
  readonly bufferedBytes: number;
  /** Receives this transport's events; set by the session that owns it. */
  events: TransportEvents;
  /** Sends packets; only when writable. */
  send(packets: EnginePacket[]): void;
  /** Ends the transport, without a close packet. Idempotent. */
  close(): void;
}

/** Events that go nowhere: a transport's until its session takes it. */
export const NO_EVENTS: TransportEvents = {
  onPackets: () => {},
  onWritable: () => {},
  onError: () => {},
  onClose: () => {},
};

/** Counts a transport's traffic in the Engine.IO wire format: packets and their bytes (frame payloads, polling bodies). */
export interface TransportTraffic {
  received(packets: number, bytes: number): void;
  sent(packets: number, bytes: number): void;
}

/** Traffic that is not counted. */
export const NO_TRAFFIC: TransportTraffic = { received: () => {}, sent: () => {} };
