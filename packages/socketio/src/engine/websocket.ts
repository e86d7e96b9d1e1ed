/**
 * @module engine/websocket
 * The WebSocket transport of one session: one packet per frame, binary messages as binary
 * frames. Frames larger than maxPayload are refused by ws itself (close 1009).
 */
import { WebSocket, type RawData } from 'ws';
import { decodeFramePacket, encodeFramePacket, EngineProtocolError, type EnginePacket } from './packet.js';
import { NO_EVENTS, type EngineTransport, type TransportEvents } from './transport.js';

function toFrame(data: RawData, isBinary: boolean): string | Buffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return isBinary ? buffer : buffer.toString('utf8');
}

export class WebSocketTransport implements EngineTransport {
  readonly name = 'websocket';
  events: TransportEvents = NO_EVENTS;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let packet: EnginePacket;
      try {
        packet = decodeFramePacket(toFrame(data, isBinary));
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
    for (const packet of packets) this.#ws.send(encodeFramePacket(packet));
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.CLOSED || this.#ws.readyState === WebSocket.CLOSING) return;
    this.#ws.close();
  }
}
