/**
 * @module metrics/metrics-route
 * The request handler of `GET /metrics`: the registry in the Prometheus text format, behind a
 * bearer token when one is set. A plain RequestHandler, so any HttpRoutes (the node's server,
 * a separate API listener) can mount it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler } from '../http-routes.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

export interface MetricsRouteOptions {
  /** The metrics text (Registry.render). */
  render(): string;
  /** The bearer token scrapers must send; undefined: none asked. */
  token: string | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A handler answering GET and HEAD with the metrics, 401 without the token, 405 for other methods. */
export function metricsHandler({ render, token }: MetricsRouteOptions): RequestHandler {
  // Compared as digests: same length whatever was sent, and in constant time.
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
      return true;
    }
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      answer(
        res,
        401,
        { 'www-authenticate': 'Bearer realm="relais metrics"', 'content-type': 'text/plain; charset=utf-8' },
        'a valid bearer token is required\n',
      );
      return true;
    }
    const body = render();
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
