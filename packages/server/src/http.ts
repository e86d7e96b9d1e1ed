/**
 * @module http
 * The node's own HTTP endpoints: GET /health; everything else goes to an optional fallback
 * (e.g. the static apps of `relais serve`), or is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthSource {
  /** Open connections now. */
  readonly connections: number;
  /** Whether the node is shutting down (health answers 503 then). */
  isClosing(): boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers the requests the node does not serve itself; resolves false to let the node answer 404.
 * It should not throw for bad input: a rejection is answered with 500 and passed to `onError`.
 */
export type HttpFallback = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/** A `request` listener serving /health, then `fallback`, then 404. */
export function createHttpHandler(
  node: HealthSource,
  version: string,
  fallback?: HttpFallback,
  onError: (error: unknown) => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const startedAt = Date.now();
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const closing = node.isClosing();
      sendJson(res, closing ? 503 : 200, {
        status: closing ? 'shutting down' : 'ok',
        connections: node.connections,
        version,
        uptimeMs: Date.now() - startedAt,
      });
      return;
    }
    if (!fallback) return sendJson(res, 404, { error: 'not found' });
    Promise.resolve()
      .then(() => fallback(req, res))
      .then(
        (handled) => {
          if (!handled) sendJson(res, 404, { error: 'not found' });
        },
        (error: unknown) => {
          onError(error);
          if (res.headersSent) res.destroy();
          else sendJson(res, 500, { error: 'internal server error' });
        },
      );
  };
}
