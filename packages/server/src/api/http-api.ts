/**
 * @module api/http-api
 * The HTTP side of the server API: `POST /api/<method>` with a JSON body and an API key,
 * answered `200 {"result": …}` or `{"error": {code, message, temporary}}` with the status of
 * its code (api/errors). Reads at most `maxBodyBytes`; `GET /api/openapi.json` is the API's
 * OpenAPI document (no key needed).
 */
import type { ServerResponse } from 'node:http';
import { ERROR_CODES } from '@relais/protocol';
import { BodyTooLarge, readBody } from '../http-body.js';
import type { RequestHandler } from '../http-routes.js';
import type { Logger } from '../logger.js';
import { ApiKeys, requestKey } from './api-keys.js';
import type { ApiStats } from './api-stats.js';
import { ApiError, badRequest, toApiError } from './errors.js';
import type { ApiMethods } from './context.js';

/** Where the API is mounted; `POST /api/publish` calls `publish`. */
export const API_PREFIX = '/api/';
export const OPENAPI_PATH = '/api/openapi.json';

export interface HttpApiOptions {
  keys: readonly string[];
  maxBodyBytes: number;
  methods: ApiMethods;
  /** The OpenAPI document served at /api/openapi.json. */
  openapi: unknown;
  logger: Logger;
  /** Whether the node is shutting down: calls then get 503 (temporary), to be retried on another node. */
  isClosing(): boolean;
  /** Counts calls and error replies. */
  stats: ApiStats;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The request handler of the API's routes (mounted at /api/ on the node's port or the API's
 * own). Never rejects: every failure is answered with an error body.
 */
export function createApiHandler(options: HttpApiOptions): RequestHandler {
  const keys = new ApiKeys(options.keys);
  const { methods, logger, stats } = options;
  const sendError = (res: ServerResponse, error: ApiError, headers?: Record<string, string>): void => {
    stats.error(error.code);
    send(res, error.status, { error: error.toJSON() }, headers);
  };
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === OPENAPI_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, options.openapi);
      return true;
    }
    const name = path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) : '';
    if (req.method !== 'POST') {
      sendError(res, new ApiError(ERROR_CODES.BAD_REQUEST, `use POST ${API_PREFIX}<method>`, { status: 405 }), { allow: 'POST' });
      return true;
    }
    if (!keys.accepts(requestKey(req.headers))) {
      sendError(res, new ApiError(ERROR_CODES.UNAUTHORIZED, 'a valid API key is required: Authorization: apikey <key>, or X-API-Key'), {
        'www-authenticate': 'apikey',
      });
      return true;
    }
    if (options.isClosing()) {
      sendError(
        res,
        new ApiError(ERROR_CODES.INTERNAL, 'the node is shutting down: retry on another node', { status: 503, temporary: true }),
      );
      return true;
    }
    const method = methods.get(name);
    if (!method) {
      sendError(res, new ApiError(ERROR_CODES.METHOD_NOT_FOUND, `unknown method ${JSON.stringify(name)} (see ${OPENAPI_PATH})`));
      return true;
    }
    let started: number | undefined;
    try {
      const params = parseBody(await readBody(req, options.maxBodyBytes));
      started = performance.now();
      send(res, 200, { result: await method(params) });
      stats.call(name, (performance.now() - started) / 1000);
    } catch (error) {
      // Counted when the body was read: a call that never came in full is only an error.
      if (started !== undefined) stats.call(name, (performance.now() - started) / 1000);
      if (error instanceof BodyTooLarge) {
        sendError(
          res,
          new ApiError(ERROR_CODES.LIMIT_EXCEEDED, `the body is larger than ${options.maxBodyBytes} bytes (apiMaxBodyBytes)`),
          {
            connection: 'close',
          },
        );
        return true;
      }
      // The client went away mid-body (Node rejects the read with ECONNRESET): nobody to answer.
      if ((error as { code?: unknown }).code === 'ECONNRESET' && !req.complete) return true;
      const { error: answer, internal } = toApiError(error);
      if (internal) logger.error({ err: error, method: name }, 'server API method failed');
      sendError(res, answer);
    }
    return true;
  };
}
