/**
 * @module engine/websocket
 * The WebSocket transport of one session: one packet per frame, binary messages as binary
 * frames. Frames larger than maxPayload are refused by ws itself (close 1009).
 */
import type { Duplex } from 'node:stream';
import { webSocketFrame } from '@relais/server';
import { WebSocket, type RawData } from 'ws';
import { decodeFramePacket, encodeFramePacket, EngineProtocolError, type EnginePacket } from './packet.js';
import { NO_EVENTS, NO_TRAFFIC, type EngineTransport, type TransportEvents, type TransportTraffic } from './transport.js';

function toFrame(data: RawData, isBinary: boolean): string | Buffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return isBinary ? buffer : buffer.toString('utf8');
}

/**
 * The last packet sent and its frame: a broadcast sends the same packet (the same data) to every
 * socket in a row, so its frame is encoded once, and framed once (webSocketFrame) for all.
 */
let lastPacket: { type?: string; data?: unknown; frame?: string | Buffer; bytes: number } = { bytes: 0 };

function frameOf(packet: EnginePacket): { frame: string | Buffer; bytes: number } {
  const last = lastPacket;
  if (last.frame !== undefined && last.type === packet.type && last.data === packet.data) return { frame: last.frame, bytes: last.bytes };
  const frame = encodeFramePacket(packet);
  const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
  lastPacket = { type: packet.type, data: packet.data, frame, bytes };
  return { frame, bytes };
}

/**
 * Uncorks a socket corked by `send`: the frames written to it since go out in one write (one
 * system call) rather than one each. Module-level: no closure per socket.
 */
function uncork(transport: WebSocketTransport): void {
  transport.uncork();
}

export class WebSocketTransport implements EngineTransport {
  readonly name = 'websocket';
  events: TransportEvents = NO_EVENTS;
  readonly #ws: WebSocket;
  readonly #traffic: TransportTraffic;
  /** The upgraded socket, written to directly when ws compresses nothing (see send). */
  readonly #socket: Duplex | undefined;
  /** Frames written since the socket was corked go out together at the end of this tick. */
  #corked = false;

  /** `socket` is the one passed to handleUpgrade (undefined: every frame goes through ws). */
  constructor(ws: WebSocket, traffic: TransportTraffic = NO_TRAFFIC, socket?: Duplex) {
    this.#ws = ws;
    this.#traffic = traffic;
    this.#socket = ws.extensions === '' ? socket : undefined;
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
      const { frame, bytes } = frameOf(packet);
      this.#traffic.sent(1, bytes);
      // Without compression, straight to the socket, in order with ws's own writes (the close
      // frame; Engine.IO pings are packets): ws's sender queues only while compressing.
      if (this.#socket) this.#write(webSocketFrame(frame));
      else this.#ws.send(frame);
    }
  }

  /**
   * Writes a frame, coalesced with the others of this tick: a burst of room events (20 events
   * fanned out in one turn of the loop) costs each socket one write, as a native relais
   * connection's coalesced outbox does, instead of one per event.
   */
  #write(framed: Buffer): void {
    const socket = this.#socket!;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(uncork, this);
    }
    socket.write(framed);
  }

  /** @internal Ends the coalescing of this tick (see #write). */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket!.uncork();
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.CLOSED || this.#ws.readyState === WebSocket.CLOSING) return;
    this.#ws.close();
  }
}
