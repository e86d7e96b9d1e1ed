/**
 * @module endpoint
 * Mounts an EngineServer on a relais node: its path as a route, admission by the node's rules
 * (Origin allow-list) and CORS headers for cross-origin polling.
 */
import type { Server as HttpServer, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { clientAddress, originAllowed, type Relais } from '@relais/server';
import { EngineServer, type EngineServerOptions } from './engine/engine-server.js';
import { attachToHttpServer } from './http-attach.js';

export interface EndpointOptions extends Omit<EngineServerOptions, 'admit' | 'corsHeaders'> {
  path: string;
  cors: { origin: string | string[] | boolean; credentials: boolean };
}

/** The client address of a request, as the node resolves it (X-Forwarded-For from trusted proxies). */
export function addressOf(relais: Relais, req: IncomingMessage): string | undefined {
  return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], relais.options.trustedProxies);
}

function corsOrigin(origin: string, cors: EndpointOptions['cors']): string | undefined {
  if (cors.origin === false) return undefined;
  if (cors.origin === '*') return '*';
  if (cors.origin === true) return origin;
  const allowed = typeof cors.origin === 'string' ? [cors.origin] : cors.origin;
  return allowed.includes(origin) ? origin : undefined;
}

/**
 * Creates the engine and serves it on `options.path` of `relais`'s HTTP server (a route), or of
 * `httpServer` when given; returns it and the disposer.
 */
export function mountEngine(
  relais: Relais,
  options: EndpointOptions,
  httpServer?: HttpServer,
): { engine: EngineServer; unmount: () => void } {
  const allowedOrigins = relais.options.allowedOrigins;
  const engine = new EngineServer({
    ...options,
    // Polling requests for another node's session are forwarded to it: no sticky sessions.
    cluster: { link: relais.cluster, path: options.path },
    // Socket.IO's own wire traffic, beside the relais frames of its sockets' connections.
    traffic: { polling: relais.frontendTraffic('socketio', 'polling'), websocket: relais.frontendTraffic('socketio', 'websocket') },
    admit: (req) => {
      const origin = req.headers.origin;
      if (allowedOrigins && !originAllowed(origin, allowedOrigins))
        return { status: 403, message: `origin ${JSON.stringify(origin)} is not allowed to connect` };
      // The node's per-IP connection rate, as for its own connections.
      if (!relais.admitConnection(addressOf(relais, req)))
        return { status: 429, message: 'too many connection attempts from this address' };
      return undefined;
    },
    corsHeaders: (req): OutgoingHttpHeaders => {
      const origin = req.headers.origin;
      if (!origin || (allowedOrigins && !originAllowed(origin, allowedOrigins))) return {};
      const allowed = corsOrigin(origin, options.cors);
      if (!allowed) return {};
      return allowed === '*'
        ? { 'Access-Control-Allow-Origin': '*' }
        : { 'Access-Control-Allow-Origin': allowed, 'Access-Control-Allow-Credentials': String(options.cors.credentials), Vary: 'Origin' };
    },
  });
  if (httpServer) return { engine, unmount: attachToHttpServer(httpServer, options.path, engine) };
  const unmount = relais.route({
    path: options.path,
    request: (req, res) => {
      engine.handleRequest(req, res);
      return true;
    },
    upgrade: (req, socket, head) => engine.handleUpgrade(req, socket, head),
  });
  return { engine, unmount };
}
