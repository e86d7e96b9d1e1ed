/**
 * @module api/install
 * The server API as a route of the node's HTTP server: its methods, its handler, its document.
 */
import type { HttpRoute } from '../http-routes.js';
import type { Logger } from '../logger.js';
import type { ResolvedApiOptions } from './api-options.js';
import type { ApiContext } from './context.js';
import { API_PREFIX, createApiHandler } from './http-api.js';
import { createApiMethods } from './methods.js';
import { OPENAPI_DOCUMENT } from './openapi.js';

/** The route serving `/api/<method>` and `/api/openapi.json` for `options`. */
export function apiRoute(options: ResolvedApiOptions, ctx: ApiContext, logger: Logger): HttpRoute {
  const methods = createApiMethods(ctx);
  return {
    path: API_PREFIX,
    request: createApiHandler({ keys: options.keys, maxBodyBytes: options.maxBodyBytes, methods, openapi: OPENAPI_DOCUMENT, logger }),
  };
}
