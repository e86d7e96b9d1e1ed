/**
 * @module transports/ws
 * WebSocket adapter over `ws`: `noServer` + `handleUpgrade`, subprotocol negotiation, and the
 * Transport that moves a session's frames. Oversized inbound messages are refused by ws itself
 * (`maxPayload`): it closes the socket with 1009 before buffering them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { negotiateSubprotocol, type Codec, type Frame } from '@relais/protocol';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Session } from '../session.js';
import type { Transport, TransportInfo } from '../transport.js';

/** The ws error code of a message larger than maxPayload (closed with 1009). */
const WS_ERR_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

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

/** Why an upgrade is refused before the WebSocket opens: an HTTP error. */
export interface UpgradeRefusal {
  status: number;
  statusText: string;
  body: string;
  /** Counted in stats().refusedUpgrades under this name. */
  reason: string;
}

export interface WsEndpointOptions {
  /** Largest inbound message, in bytes; with compression, the largest inflated message. */
  maxMessageBytes: number;
  /** permessage-deflate settings, or false. */
  perMessageDeflate: false | { threshold: number; level: number };
  /** The client's address (the socket's peer unless it is a trusted proxy). @default the peer */
  clientAddress?(req: IncomingMessage): string | undefined;
  /** Checks an upgrade request (origin, rate) before it is accepted; `address` is the client's. */
  admit?(req: IncomingMessage, address: string | undefined): UpgradeRefusal | undefined;
  logger: Logger;
  metrics: Metrics;
  /** Whether the node refuses new connections (shutting down): upgrades get 503. */
  isClosing(): boolean;
  /** Hands a new transport to the node; undefined when the node refused it (and closed it). */
  accept(transport: Transport): Session | undefined;
}

function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Writes a plain-text HTTP error on a socket that asked for an upgrade, and ends it. */
export function refuseUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Headers of the WebSocket handshake itself: consumed by the upgrade, not kept per connection. */
const HANDSHAKE_HEADERS = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/**
 * The upgrade's headers without the handshake's own. Every connection keeps its headers for
 * hooks (cookies, authorization, user-agent…); the handshake ones would be ~150 bytes of
 * memory per connection that nothing reads.
 */
export function applicationHeaders(headers: IncomingMessage['headers']): Record<string, string | string[] | undefined> {
  const kept: Record<string, string | string[] | undefined> = {};
  for (const name in headers) if (!HANDSHAKE_HEADERS.has(name)) kept[name] = headers[name];
  return kept;
}

function toFrame(data: RawData, isBinary: boolean): Frame {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  return isBinary ? buffer : buffer.toString('utf8');
}

/** Accepts WebSocket upgrades for one node and tracks their sockets. */
export class WsEndpoint {
  readonly #options: WsEndpointOptions;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();

  constructor(options: WsEndpointOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      // With permessage-deflate, ws applies maxPayload to the inflated size and stops
      // inflating past it (close 1009): a compression bomb never expands in memory.
      perMessageDeflate: options.perMessageDeflate && {
        threshold: options.perMessageDeflate.threshold,
        zlibDeflateOptions: { level: options.perMessageDeflate.level },
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
      maxPayload: options.maxMessageBytes,
      // Only called when the client offered subprotocols; handleUpgrade refused the offers
      // without a relais one already, so this always finds one.
      handleProtocols: (protocols) => {
        const negotiated = negotiateSubprotocol(protocols);
        return negotiated ? (negotiated.subprotocol ?? false) : false;
      },
    });
  }

  /** Open sockets. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Upgrades `req` to a relais connection, or answers it with an HTTP error. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { metrics } = this.#options;
    if (this.#options.isClosing()) {
      metrics.refusedUpgrade('closing');
      refuseUpgrade(socket, 503, 'Service Unavailable', 'relais node is shutting down');
      return;
    }
    // Resolved once: the admission check and the transport info use the same address.
    const address = this.#options.clientAddress ? this.#options.clientAddress(req) : req.socket.remoteAddress;
    const refusal = this.#options.admit?.(req, address);
    if (refusal) {
      metrics.refusedUpgrade(refusal.reason);
      refuseUpgrade(socket, refusal.status, refusal.statusText, refusal.body);
      return;
    }
    const negotiated = negotiateSubprotocol(offeredSubprotocols(req));
    if (!negotiated) {
      metrics.refusedUpgrade('subprotocol');
      refuseUpgrade(socket, 400, 'Bad Request', 'unsupported WebSocket subprotocol: offer relais.v1.json or relais.v1.msgpack');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const info: TransportInfo = {
        name: 'websocket',
        remoteAddress: address,
        headers: applicationHeaders(req.headers),
        subprotocol: negotiated.subprotocol,
        url: req.url,
      };
      this.#open(ws, new WsTransport(ws, socket, negotiated.codec, info));
    });
  }

  #open(ws: WebSocket, transport: WsTransport): void {
    const { logger, metrics } = this.#options;
    this.#sockets.add(ws);
    // Listeners are attached in the same tick, before ws can emit anything.
    const session = this.#options.accept(transport);
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === WS_ERR_TOO_LARGE) metrics.badFrames++;
      logger.debug({ err: error, client: session?.client }, 'websocket error');
    });
    ws.on('close', (code: number) => {
      this.#sockets.delete(ws);
      session?.handleClose(code);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => session?.handleMessage(toFrame(data, isBinary)));
  }

  /**
   * Waits until every socket closed, at most `timeoutMs`; then terminates the rest.
   * Callers close the sessions first (close frames with 3001).
   */
  async drain(timeoutMs: number): Promise<void> {
    const open = [...this.#sockets];
    if (open.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = Promise.all(open.map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve();
      else ws.once('close', () => resolve());
    })));
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref?.();
    });
    await Promise.race([closed, expired]);
    clearTimeout(timer);
    for (const ws of this.#sockets) ws.terminate();
  }
}
