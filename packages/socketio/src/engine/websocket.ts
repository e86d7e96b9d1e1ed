/**
 * @module engine/websocket
 * The WebSocket transport of one session: one packet per frame, binary messages as binary
 * frames. Frames larger than maxPayload are refused by ws itself (close 1009).
 */
import { WebSocket, type RawData } from 'ws';
import { decodeFramePacket, encodeFramePacket, EngineProtocolError, type EnginePacket } from './packet.js';
import { NO_EVENTS, NO_TRAFFIC, type EngineTransport, type TransportEvents, type TransportTraffic } from './transport.js';

function toFrame(data: RawData, isBinary: boolean): string | Buffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return isBinary ? buffer : buffer.toString('utf8');
}

export class WebSocketTransport implements EngineTransport {
  readonly name = 'websocket';
  events: TransportEvents = NO_EVENTS;
  readonly #ws: WebSocket;
  readonly #traffic: TransportTraffic;

  constructor(ws: WebSocket, traffic: TransportTraffic = NO_TRAFFIC) {
    this.#ws = ws;
    this.#traffic = traffic;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let packet: EnginePacket;
      const frame = toFrame(data, isBinary);
      traffic.received(1, typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
      try {
        packet = decodeFramePacket(frame);
      } catch (error) {
        this.events.onError(error instanceof EngineProtocolError ? error.message : 'bad frame');
        return;
      }
      this.events.onPackets([packet]);
    });
    ws.on('error', () => {});
    ws.on('close', () => this.events.onClose('transport close'));
  }

  get writable(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  send(packets: EnginePacket[]): void {
    for (const packet of packets) {
      const frame = encodeFramePacket(packet);
      this.#traffic.sent(1, typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
      this.#ws.send(frame);
    }
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.CLOSED || this.#ws.readyState === WebSocket.CLOSING) return;
    this.#ws.close();
  }
}
