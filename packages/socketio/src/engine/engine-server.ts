/**
 * @module engine/engine-server
 * The Engine.IO v4 endpoint: answers the handshake, routes polling requests and WebSocket
 * upgrades to their session by `sid`, and refuses what the protocol refuses with its error
 * codes (HTTP 400 and `{"code","message"}`).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { EngineSocket, type EngineSocketOptions } from './engine-socket.js';
import { PollForwarding, type EngineCluster } from './forwarding.js';
import { PollingTransport } from './polling.js';
import type { TransportTraffic } from './transport.js';
import { UpgradeForwarding } from './upgrade-forwarding.js';
import { WebSocketTransport } from './websocket.js';

/** Engine.IO's HTTP error codes. */
export const ENGINE_ERRORS = {
  UNKNOWN_TRANSPORT: { code: 0, message: 'Transport unknown' },
  UNKNOWN_SID: { code: 1, message: 'Session ID unknown' },
  BAD_HANDSHAKE_METHOD: { code: 2, message: 'Bad handshake method' },
  BAD_REQUEST: { code: 3, message: 'Bad request' },
  FORBIDDEN: { code: 4, message: 'Forbidden' },
  UNSUPPORTED_PROTOCOL_VERSION: { code: 5, message: 'Unsupported protocol version' },
} as const;

export type EngineError = (typeof ENGINE_ERRORS)[keyof typeof ENGINE_ERRORS];

/** Why a new session is refused before it opens (an Origin or rate check). */
export interface EngineRefusal {
  status: number;
  message: string;
}

export type EngineTransportName = 'polling' | 'websocket';

export interface EngineServerOptions extends Omit<EngineSocketOptions, 'upgrades'> {
  /** Transports clients may use. */
  transports: readonly EngineTransportName[];
  /** Whether polling sessions may upgrade to WebSocket. */
  allowUpgrades: boolean;
  /** Checks a request that would open a session; a refusal answers it with its status. */
  admit?(req: IncomingMessage): EngineRefusal | undefined;
  /** CORS headers for a request (empty when none apply). */
  corsHeaders?(req: IncomingMessage): OutgoingHttpHeaders;
  /**
   * The cluster of nodes serving this path: polling requests for a session of another node are
   * forwarded to it (no sticky sessions). Without it, sessions are this node's alone.
   */
  cluster?: { link: EngineCluster; path: string };
  /** Counts the traffic of each transport (Engine.IO packets and their bytes). */
  traffic?: Record<EngineTransportName, TransportTraffic>;
}

export interface EngineServerEvents {
  connection: [socket: EngineSocket, req: IncomingMessage];
  /** A request refused with an Engine.IO error (counted in metrics by the owner). */
  refused: [error: EngineError | EngineRefusal, req: IncomingMessage];
}

/** Validates `EIO` and `transport`; returns the error or the parsed query. */
function checkQuery(
  query: URLSearchParams,
  transports: readonly EngineTransportName[],
): EngineError | { transport: EngineTransportName; sid: string | null } {
  if (query.get('EIO') !== '4') return ENGINE_ERRORS.UNSUPPORTED_PROTOCOL_VERSION;
  const transport = query.get('transport');
  if (!transports.includes(transport as EngineTransportName)) return ENGINE_ERRORS.UNKNOWN_TRANSPORT;
  return { transport: transport as EngineTransportName, sid: query.get('sid') };
}

export class EngineServer extends EventEmitter<EngineServerEvents> {
  readonly #options: EngineServerOptions;
  readonly #sessions = new Map<string, EngineSocket>();
  readonly #wss: WebSocketServer;
  readonly #forwarding: PollForwarding | undefined;
  readonly #upgrades: UpgradeForwarding | undefined;

  constructor(options: EngineServerOptions) {
    super();
    this.#options = options;
    this.#forwarding =
      options.cluster &&
      new PollForwarding(options.cluster.link, options.cluster.path, (sid) => this.#sessions.get(sid), {
        pollTimeoutMs: options.pingIntervalMs + options.pingTimeoutMs + 5_000,
        maxPayloadBytes: options.maxPayloadBytes,
      });
    this.#upgrades = options.cluster && new UpgradeForwarding(options.cluster.link, options.cluster.path, (sid) => this.#sessions.get(sid));
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes,
    });
  }

  /** Open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Answers a plain HTTP request on the Engine.IO path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const cors = this.#options.corsHeaders?.(req) ?? {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'content-type' });
      res.end();
      return;
    }
    const query = checkQuery(new URL(req.url ?? '/', 'http://x').searchParams, this.#options.transports);
    if ('code' in query) return this.#refuse(req, res, query);
    if (query.sid !== null) {
      const session = this.#sessions.get(query.sid);
      const owner = session ? undefined : this.#forwarding?.ownerOf(query.sid);
      if (owner !== undefined && query.transport === 'polling')
        return this.#forwarding!.forward(req, res, owner, query.sid, this.#options.corsHeaders?.(req) ?? {});
      if (!session) return this.#refuse(req, res, ENGINE_ERRORS.UNKNOWN_SID);
      const transport = session.transport;
      if (query.transport !== 'polling' || !(transport instanceof PollingTransport))
        return this.#refuse(req, res, ENGINE_ERRORS.BAD_REQUEST);
      if (req.method === 'GET') transport.handleGet(req, res);
      else if (req.method === 'POST') transport.handlePost(req, res);
      else this.#refuse(req, res, ENGINE_ERRORS.BAD_REQUEST);
      return;
    }
    if (req.method !== 'GET') return this.#refuse(req, res, ENGINE_ERRORS.BAD_HANDSHAKE_METHOD);
    if (query.transport !== 'polling') return this.#refuse(req, res, ENGINE_ERRORS.BAD_REQUEST);
    const refusal = this.#options.admit?.(req);
    if (refusal) return this.#refuse(req, res, refusal);
    const transport = new PollingTransport({
      maxPayloadBytes: this.#options.maxPayloadBytes,
      headers: (r) => this.#options.corsHeaders?.(r) ?? {},
      traffic: this.#options.traffic?.polling,
    });
    this.#open(transport, req);
    transport.handleGet(req, res);
  }

  /** Takes an upgrade on the Engine.IO path: a new WebSocket session, or an upgrade probe. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const query = checkQuery(new URL(req.url ?? '/', 'http://x').searchParams, this.#options.transports);
    if ('code' in query) return this.#refuseUpgrade(req, socket, query);
    if (query.transport !== 'websocket') return this.#refuseUpgrade(req, socket, ENGINE_ERRORS.BAD_REQUEST);
    if (query.sid !== null) {
      const sid = query.sid;
      const session = this.#sessions.get(sid);
      const owner = session ? undefined : this.#forwarding?.ownerOf(sid);
      if (!session && owner === undefined) return this.#refuseUpgrade(req, socket, ENGINE_ERRORS.UNKNOWN_SID);
      if (!this.#options.allowUpgrades) return this.#refuseUpgrade(req, socket, ENGINE_ERRORS.BAD_REQUEST);
      if (!session) {
        // The session is another node's: its frames travel through this node (upgrade-forwarding).
        this.#wss.handleUpgrade(req, socket, head, (ws) =>
          this.#upgrades!.bridge(new WebSocketTransport(ws, this.#options.traffic?.websocket, socket), owner!, sid),
        );
        return;
      }
      // As engine.io: a session that cannot upgrade now (upgraded, probing) gets an opened then closed WebSocket.
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const transport = new WebSocketTransport(ws, this.#options.traffic?.websocket, socket);
        if (!session.probe(transport)) transport.close();
      });
      return;
    }
    const refusal = this.#options.admit?.(req);
    if (refusal) return this.#refuseUpgrade(req, socket, refusal);
    this.#wss.handleUpgrade(req, socket, head, (ws) =>
      this.#open(new WebSocketTransport(ws, this.#options.traffic?.websocket, socket), req),
    );
  }

  /** Closes every session (reason `server shutting down`). */
  close(): void {
    this.#forwarding?.close();
    this.#upgrades?.close();
    for (const session of [...this.#sessions.values()]) {
      // A waiting poll still gets the close packet; a session waiting for its next poll ends now.
      session.close('server shutting down');
      session.terminate();
    }
  }

  #open(transport: PollingTransport | WebSocketTransport, req: IncomingMessage): void {
    const random = randomBytes(15).toString('base64url');
    const sid = this.#forwarding ? this.#forwarding.sessionId(random) : random;
    const upgrades = this.#options.allowUpgrades && this.#options.transports.includes('websocket') ? ['websocket'] : [];
    const session = new EngineSocket(sid, transport, { ...this.#options, upgrades });
    this.#sessions.set(sid, session);
    session.once('released', () => this.#sessions.delete(sid));
    this.emit('connection', session, req);
  }

  #refuse(req: IncomingMessage, res: ServerResponse, error: EngineError | EngineRefusal): void {
    this.emit('refused', error, req);
    const status = 'status' in error ? error.status : 400;
    const body = JSON.stringify('code' in error ? error : { code: ENGINE_ERRORS.FORBIDDEN.code, message: error.message });
    res.writeHead(status, {
      ...(this.#options.corsHeaders?.(req) ?? {}),
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  #refuseUpgrade(req: IncomingMessage, socket: Duplex, error: EngineError | EngineRefusal): void {
    this.emit('refused', error, req);
    const status = 'status' in error ? error.status : 400;
    const body = JSON.stringify('code' in error ? error : { code: ENGINE_ERRORS.FORBIDDEN.code, message: error.message });
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Refused'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    } else socket.destroy();
  }
}
