/**
 * @module admin/server/trace-stream
 * `GET /admin/api/trace?user=…|channel=…`: a node trace (`relais.trace`) streamed as Server-Sent
 * Events, one `frames` event per node batch. The trace stops when the page goes away (the
 * request closes), when the session expires, or when the node closes; nothing is kept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, ERROR_CODES, type Relais, type TraceTarget } from '@relais/server';
import type { TraceEvent } from '../shared/protocol.js';
import { sendError } from './http.js';

/** Traces one node streams at once, at most; more are refused with 429. */
export const MAX_ADMIN_TRACES = 8;
/** A comment line every so often keeps proxies from closing an idle stream, in ms. */
export const TRACE_KEEPALIVE_MS = 15_000;

/** The trace target of `?user=` or `?channel=` (exactly one); an ApiError 107 otherwise. */
export function traceTarget(url: URL): TraceTarget {
  const user = url.searchParams.get('user');
  const channel = url.searchParams.get('channel');
  if ((user === null) === (channel === null))
    throw new ApiError(ERROR_CODES.BAD_REQUEST, 'trace takes ?user=<id> or ?channel=<name>, one of them');
  const value = (user ?? channel) as string;
  if (value === '' || value.length > 255)
    throw new ApiError(ERROR_CODES.BAD_REQUEST, 'the traced user or channel must be 1 to 255 characters');
  return user !== null ? { user } : { channel: value };
}

export class TraceStreams {
  readonly #relais: Relais;
  readonly #open = new Set<() => void>();

  constructor(relais: Relais) {
    this.#relais = relais;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Streams the trace of `target` on `res` until the request closes or `expiresAt`. */
  open(req: IncomingMessage, res: ServerResponse, target: TraceTarget, expiresAt: number): void {
    if (this.#open.size >= MAX_ADMIN_TRACES) {
      sendError(res, new ApiError(ERROR_CODES.TOO_MANY_REQUESTS, `at most ${MAX_ADMIN_TRACES} traces at once on a node`, { status: 429 }));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.write(`event: open\ndata: ${JSON.stringify({ target })}\n\n`);
    const trace = this.#relais.trace(target, (batch) => {
      const event: TraceEvent = { node: batch.node, frames: batch.frames, dropped: batch.dropped };
      res.write(`event: frames\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), TRACE_KEEPALIVE_MS);
    const expiry = setTimeout(() => end(), Math.max(0, expiresAt - Date.now()));
    keepalive.unref();
    expiry.unref();
    const end = (): void => {
      if (!this.#open.delete(end)) return;
      trace.stop();
      clearInterval(keepalive);
      clearTimeout(expiry);
      res.end();
    };
    this.#open.add(end);
    req.once('close', end);
    res.once('close', end);
  }

  /** Ends every stream (the dashboard is uninstalled). */
  close(): void {
    for (const end of [...this.#open]) end();
  }
}
