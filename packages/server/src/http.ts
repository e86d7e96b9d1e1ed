/**
 * @module http
 * The node's HTTP server: its own endpoints (GET /health, live; GET /ready, ready for traffic), the routes features claim (see
 * http-routes), an optional fallback for the rest (e.g. the static apps of `relais serve`) or
 * 404, and upgrades routed by path to the transports that take them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpRoutes, RequestHandler } from './http-routes.js';

export type { HttpRoute, RequestHandler, UpgradeHandler } from './http-routes.js';
export { HttpRoutes } from './http-routes.js';

export interface HealthSource {
  /** Open connections now. */
  connections(): number;
  /** Whether the node is shutting down (health answers 503 then). */
  isClosing(): boolean;
  /** Whether the node should get traffic (GET /ready); without it, ready unless closing. */
  readiness?(): Readiness;
}

/** Whether a node should get new connections, and why not. */
export type Readiness = { ready: true } | { ready: false; reason: NotReadyReason };

/** Why a node is not ready: shutting down, its engine not started yet, failed, or lost. */
export type NotReadyReason = 'draining' | 'engine starting' | 'engine failed' | 'engine unreachable';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers the requests the node does not serve itself; resolves false to let the node answer 404.
 * It should not throw for bad input: a rejection is answered with 500 and passed to `onError`.
 */
export type HttpFallback = RequestHandler;

/** Runs `handler`, then 404 when it declines; a failure is answered with 500 and passed to `onError`. */
function serveWith(
  handler: RequestHandler,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (error: unknown) => void,
  next?: () => void,
): void {
  Promise.resolve()
    .then(() => handler(req, res))
    .then(
      (handled) => {
        if (handled) return;
        if (next) next();
        else sendJson(res, 404, { error: 'not found' });
      },
      (error: unknown) => {
        onError(error);
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { error: 'internal server error' });
      },
    );
}

/** A `request` listener serving /health and /ready, then the route of the path, then `fallback`, then 404. */
export function createHttpHandler(
  node: HealthSource,
  version: string,
  fallback?: HttpFallback,
  onError: (error: unknown) => void = () => {},
  routes?: HttpRoutes,
): (req: IncomingMessage, res: ServerResponse) => void {
  const startedAt = Date.now();
  return (req, res) => {
    const path = pathOf(req);
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const closing = node.isClosing();
      sendJson(res, closing ? 503 : 200, {
        status: closing ? 'shutting down' : 'ok',
        connections: node.connections(),
        version,
        uptimeMs: Date.now() - startedAt,
      });
      return;
    }
    if (path === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      const readiness = node.readiness?.() ?? (node.isClosing() ? { ready: false, reason: 'draining' } : { ready: true });
      sendJson(res, readiness.ready ? 200 : 503, readiness.ready ? { status: 'ready' } : { status: 'not ready', reason: readiness.reason });
      return;
    }
    const route = routes?.match(path)?.request;
    const last = fallback ? () => serveWith(fallback, req, res, onError) : () => sendJson(res, 404, { error: 'not found' });
    if (route) serveWith(route, req, res, onError, last);
    else last();
  };
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

/** The path of a request, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Node's default time for a whole request; kept for requests whose headers came in time. */
const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

export interface NodeServerOptions {
  health: HealthSource;
  version: string;
  fallback?: HttpFallback | undefined;
  /** A route's or the fallback's failure (answered with 500). */
  onError(error: unknown): void;
  /** Request and upgrade handlers by path; upgrades on other paths get 404. */
  routes: HttpRoutes;
  /** An upgrade refused for its path, or a socket refused for the pending cap, for the metrics. */
  onRefusedUpgrade(reason: 'path' | 'pending'): void;
  /** Sockets that are not (yet) relais connections, at most; beyond, new ones are closed at once. */
  maxPendingConnections: number;
  /** Time a socket has to send its request headers, in ms (then 408 and close). */
  handshakeTimeoutMs: number;
}

/** The pending set each socket of a node server is counted in, while it is not a connection. */
const pendingOf = new WeakMap<Duplex, Set<Duplex>>();

/**
 * A plain HTTP request became a long-lived relais connection (an HTTP stream): its socket
 * leaves the cap of sockets that are not connections yet (maxConnections counts it now).
 */
export function adoptSocket(socket: Duplex): void {
  pendingOf.get(socket)?.delete(socket);
}

/** A pending socket closed. One listener for every socket: no closure per connection. */
function leavePending(this: Duplex): void {
  pendingOf.get(this)?.delete(this);
}

/** An HTTP server serving the node's endpoints and routing upgrades by path (not listening yet). */
export function createNodeServer(options: NodeServerOptions): Server {
  const timeoutMs = options.handshakeTimeoutMs;
  const server = createServer(
    // Node checks headersTimeout every connectionsCheckingInterval (30 s by default): checked
    // often enough that a socket sending its headers byte by byte lasts about timeoutMs.
    {
      headersTimeout: timeoutMs,
      requestTimeout: Math.max(timeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1_000, timeoutMs),
    },
    createHttpHandler(options.health, options.version, options.fallback, options.onError, options.routes),
  );
  // Sockets not (yet) taken by a transport: upgrades in progress and plain HTTP requests. They
  // are not relais connections, so maxConnections does not count them; this cap does.
  const pending = new Set<Duplex>();
  server.on('connection', (socket: Duplex) => {
    if (pending.size >= options.maxPendingConnections) {
      options.onRefusedUpgrade('pending');
      socket.destroy();
      return;
    }
    pending.add(socket);
    pendingOf.set(socket, pending);
    socket.on('close', leavePending);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The socket is leaving the pending set for good: nothing of it stays behind.
    pending.delete(socket);
    pendingOf.delete(socket);
    socket.removeListener('close', leavePending);
    const handler = options.routes.match(pathOf(req))?.upgrade;
    if (handler) {
      handler(req, socket, head);
      return;
    }
    options.onRefusedUpgrade('path');
    refuseUpgrade(socket, 404, 'Not Found', 'no WebSocket endpoint at this path');
  });
  return server;
}

/** Starts `server` listening; resolves with the address it got (port 0 picks a free one). */
export async function listenOn(server: Server, port: number, host: string): Promise<{ port: number; host: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return { port: address.port, host: address.address };
}

/** Stops `server` and drops its idle keep-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
