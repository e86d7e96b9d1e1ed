/**
 * @module routes-server
 * A second HTTP server of the node that serves only the routes it is given (the server API on
 * `apiPort`, and metrics or other internal endpoints that share it): no WebSocket, no health,
 * no fallback. Unknown paths get 404, upgrades are refused.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOn, pathOf, refuseUpgrade } from './http.js';
import type { HttpRoutes } from './http-routes.js';

function notFound(res: ServerResponse): void {
  const body = JSON.stringify({ error: 'not found' });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** An HTTP server answering `routes` (by the same matching as the node's), not listening yet. */
export function createRoutesServer(routes: HttpRoutes, onError: (error: unknown) => void): Server {
  const server = createServer((req, res) => {
    const handler = routes.match(pathOf(req))?.request;
    if (!handler) {
      notFound(res);
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .then(
        (handled) => {
          if (!handled) notFound(res);
        },
        (error: unknown) => {
          onError(error);
          if (res.headersSent) res.destroy();
          else {
            res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
            res.end(JSON.stringify({ error: 'internal server error' }));
          }
        },
      );
  });
  server.on('upgrade', (_req, socket) => refuseUpgrade(socket, 404, 'Not Found', 'no WebSocket endpoint on this port'));
  return server;
}

/** A started routes server and how to stop it. */
export interface RoutesListener {
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Creates a routes server and listens on `port`/`host` (port 0 picks a free one). */
export async function listenRoutes(
  routes: HttpRoutes,
  port: number,
  host: string,
  onError: (error: unknown) => void,
): Promise<RoutesListener> {
  const server = createRoutesServer(routes, onError);
  const address = await listenOn(server, port, host);
  return { ...address, close: () => closeServer(server) };
}
