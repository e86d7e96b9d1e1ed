/**
 * @module cors
 * CORS of the REST endpoints (REST broadcast, the PostgREST subset), so that a page on another
 * origin can call them as supabase-js does: an Origin the node allows (its `allowedOrigins`, or
 * any without one) gets the headers back, and a preflight is answered here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { originAllowed } from '@relais/server';

/** The request headers supabase-js sends to the REST endpoints. */
export const REST_ALLOWED_HEADERS =
  'authorization, apikey, content-type, prefer, accept, accept-profile, content-profile, x-client-info, range';

/**
 * Adds the CORS headers for an allowed Origin; answers a preflight (`OPTIONS`) with 204 and
 * returns true then. `methods` is what the endpoint serves, e.g. `GET, POST`.
 */
export function handleCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: readonly string[] | undefined,
  methods: string,
): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (!allowedOrigins || originAllowed(origin, allowedOrigins));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'content-range, content-location');
    res.setHeader('vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  const headers: Record<string, string> = { allow: `${methods}, OPTIONS` };
  if (allowed) {
    headers['access-control-allow-methods'] = methods;
    headers['access-control-allow-headers'] = REST_ALLOWED_HEADERS;
    headers['access-control-max-age'] = '600';
  }
  res.writeHead(204, headers);
  res.end();
  return true;
}
