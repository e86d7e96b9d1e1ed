/**
 * @module transports/ws
 * The WebSocket endpoint over `ws` (`noServer` + `handleUpgrade`): admission (shutdown, Origin,
 * per-IP rate), subprotocol negotiation, permessage-deflate, and one WsTransport per socket.
 * Oversized inbound messages are refused by ws itself (`maxPayload`): it closes the socket with
 * 1009 before buffering them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { negotiateSubprotocol, type Frame } from '@relais/protocol';
import { WebSocket, WebSocketServer, type RawData, type Server as WsServer } from 'ws';
import { clientAddress } from '../auth/client-address.js';
import { refuseUpgrade } from '../http.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResolvedCompression } from '../options.js';
import type { Transport, TransportInfo } from '../transport.js';
import { admit, type AdmissionRules } from './admission.js';
import { WsTransport } from './ws-transport.js';

export { framed, WsTransport } from './ws-transport.js';

/** The ws error code of a message larger than maxPayload (closed with 1009). */
const WS_ERR_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** What the endpoint hands each new transport to: the node's sessions. */
export interface TransportPeer {
  handleMessage(message: Frame): void;
  handleClose(code: number): void;
  readonly client: string;
}

export interface WsEndpointOptions {
  /** Largest inbound message, in bytes; with compression, the largest inflated message. */
  maxMessageBytes: number;
  /** permessage-deflate settings, or false. */
  compression: ResolvedCompression | false;
  /** Proxies whose X-Forwarded-For is believed (see auth/client-address). */
  trustedProxies: ReadonlySet<string> | undefined;
  /** Origin allow-list and per-IP rate, checked before the upgrade. */
  admission: AdmissionRules;
  logger: Logger;
  metrics: Metrics;
  /** Whether the node refuses new connections (shutting down): upgrades get 503. */
  isClosing(): boolean;
  /** Hands a new transport to the node; undefined when the node refused it (and closed it). */
  accept(transport: Transport): TransportPeer | undefined;
}

function offeredSubprotocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
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

/**
 * A ws socket that knows its session and endpoint, so that every socket shares the same three
 * listeners below instead of three closures of its own (the fields are in-object slots).
 */
class RelaisSocket extends WebSocket {
  peer: TransportPeer | undefined = undefined;
  endpoint: WsEndpoint | undefined = undefined;
}

// ws's typings give listeners `this: WebSocket`; every socket of the endpoint is a RelaisSocket.
function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as RelaisSocket).peer?.handleMessage(toFrame(data, isBinary));
}

function onSocketClose(this: WebSocket, code: number): void {
  (this as RelaisSocket).endpoint?.socketClosed(this as RelaisSocket, code);
}

function onSocketError(this: WebSocket, error: Error & { code?: string }): void {
  (this as RelaisSocket).endpoint?.socketError(this as RelaisSocket, error);
}

/** Accepts WebSocket upgrades for one node and tracks their sockets. */
export class WsEndpoint {
  readonly #options: WsEndpointOptions;
  readonly #wss: WsServer<typeof RelaisSocket>;
  readonly #sockets = new Set<RelaisSocket>();

  constructor(options: WsEndpointOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer<typeof RelaisSocket>({
      noServer: true,
      WebSocket: RelaisSocket,
      clientTracking: false,
      // With permessage-deflate, ws applies maxPayload to the inflated size and stops
      // inflating past it (close 1009): a compression bomb never expands in memory.
      perMessageDeflate: options.compression && {
        threshold: options.compression.thresholdBytes,
        zlibDeflateOptions: { level: options.compression.level },
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
      metrics.refused('closing');
      refuseUpgrade(socket, 503, 'Service Unavailable', 'relais node is shutting down');
      return;
    }
    // Resolved once: the admission check and the transport info use the same address.
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.#options.trustedProxies);
    const refusal = admit(this.#options.admission, req, address);
    if (refusal) {
      metrics.refused(refusal.reason);
      refuseUpgrade(socket, refusal.status, refusal.statusText, refusal.body);
      return;
    }
    const negotiated = negotiateSubprotocol(offeredSubprotocols(req));
    if (!negotiated) {
      metrics.refused('subprotocol');
      refuseUpgrade(
        socket,
        400,
        'Bad Request',
        'unsupported WebSocket subprotocol: offer relais.v2.json, relais.v2.msgpack, relais.v1.json or relais.v1.msgpack',
      );
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

  #open(ws: RelaisSocket, transport: WsTransport): void {
    this.#sockets.add(ws);
    ws.endpoint = this;
    // Listeners are attached in the same tick, before ws can emit anything.
    ws.peer = this.#options.accept(transport);
    ws.on('error', onSocketError);
    ws.on('close', onSocketClose);
    ws.on('message', onSocketMessage);
  }

  /** @internal A socket of this endpoint closed. */
  socketClosed(ws: RelaisSocket, code: number): void {
    this.#sockets.delete(ws);
    ws.peer?.handleClose(code);
  }

  /** @internal A socket of this endpoint failed (ws closes it next). */
  socketError(ws: RelaisSocket, error: Error & { code?: string }): void {
    if (error.code === WS_ERR_TOO_LARGE) this.#options.metrics.badFrame();
    this.#options.logger.debug({ err: error, client: ws.peer?.client }, 'websocket error');
  }

  /**
   * Waits until every socket closed, at most `timeoutMs`; then terminates the rest.
   * Callers close the sessions first (close frames with 3001).
   */
  async drain(timeoutMs: number): Promise<void> {
    const open = [...this.#sockets];
    if (open.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = Promise.all(
      open.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) resolve();
            else ws.once('close', () => resolve());
          }),
      ),
    );
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref?.();
    });
    await Promise.race([closed, expired]);
    clearTimeout(timer);
    for (const ws of this.#sockets) ws.terminate();
  }
}
