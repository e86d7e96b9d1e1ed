/**
 * @module http-attach
 * Serves an EngineServer on a path of an app's own `http.Server` (socket.io's
 * `new Server(httpServer)`): requests and upgrades under the path go to the engine, the rest to
 * the server's other listeners (404 when it has none).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EngineServer } from './engine/engine-server.js';

function underPath(req: IncomingMessage, path: string): boolean {
  const target = (req.url ?? '/').split('?')[0] ?? '/';
  return target.startsWith(path) || target === path.slice(0, -1);
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Attaches `engine` on `path` of `server`; returns a disposer that restores the server's listeners. */
export function attachToHttpServer(server: HttpServer, path: string, engine: EngineServer): () => void {
  // As socket.io does: the app's request listeners run for every other path.
  const others = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (underPath(req, path)) {
      engine.handleRequest(req, res);
      return;
    }
    if (others.length === 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    for (const listener of others) listener.call(server, req, res);
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (underPath(req, path)) engine.handleUpgrade(req, socket, head);
  };
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('request', onRequest);
    server.off('upgrade', onUpgrade);
    for (const listener of others) server.on('request', listener);
  };
}
