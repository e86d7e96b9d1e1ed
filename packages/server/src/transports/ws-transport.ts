/**
 * @module transports/ws-transport
 * The Transport of one WebSocket connection over `ws`: frames are WebSocket-framed once and the
 * same bytes written to every socket of a fan-out.
 */
import type { Duplex } from 'node:stream';
import type { Codec, Frame } from '@relais/protocol';
import { WebSocket } from 'ws';
import type { Transport, TransportInfo } from '../transport.js';

/** The last frame written and its WebSocket framing: a fan-out writes one frame to many sockets. */
let lastFrame: Frame | undefined;
let lastFramed: Buffer | undefined;

/**
 * `frame` as one final, unmasked WebSocket data frame (RFC 6455 §5.2: header and payload in one
 * buffer). A fan-out hands the same frame to every subscriber's transport in a row, so it is
 * encoded and framed once and every socket gets the same bytes in one write.
 */
export function framed(frame: Frame): Buffer {
  if (frame === lastFrame && lastFramed !== undefined) return lastFramed;
  const text = typeof frame === 'string';
  const length = text ? Buffer.byteLength(frame) : frame.byteLength;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerBytes + length);
  out[0] = text ? 0x81 : 0x82; // FIN + text or binary opcode
  if (headerBytes === 2) {
    out[1] = length;
  } else if (headerBytes === 4) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  if (text) out.write(frame, headerBytes);
  else out.set(frame, headerBytes);
  lastFrame = frame;
  lastFramed = out;
  return out;
}

export class WsTransport implements Transport {
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly codec: Codec;
  readonly info: TransportInfo;

  readonly #direct: boolean;

  /** `socket` is the upgraded socket ws reads and writes (the one passed to handleUpgrade). */
  constructor(ws: WebSocket, socket: Duplex, codec: Codec, info: TransportInfo) {
    this.#ws = ws;
    this.#socket = socket;
    this.codec = codec;
    this.info = info;
    // With permessage-deflate negotiated, ws compresses (asynchronously, queueing later frames):
    // writing around its sender would skip compression and could overtake queued frames.
    this.#direct = ws.extensions === '';
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  write(frame: Frame): void {
    if (this.#ws.readyState !== WebSocket.OPEN) throw new Error('WebSocket is not open');
    if (!this.#direct) {
      this.#ws.send(frame, { binary: typeof frame !== 'string' });
      return;
    }
    // Written straight to the socket, in call order with ws's own writes (pongs, the close
    // frame): without compression ws's sender only queues while reading a Blob, and this
    // server never sends Blobs. bufferedAmount still counts these bytes.
    this.#socket.write(framed(frame));
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === WebSocket.CLOSING || this.#ws.readyState === WebSocket.CLOSED) return;
    this.#ws.close(code, reason);
  }
}
