/**
 * @module http
 * The node's own HTTP endpoints: GET /health; everything else is 404.
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

/** A `request` listener serving /health. */
export function createHttpHandler(node: HealthSource, version: string): (req: IncomingMessage, res: ServerResponse) => void {
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
    sendJson(res, 404, { error: 'not found' });
  };
}
