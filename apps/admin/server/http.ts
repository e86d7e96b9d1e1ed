/**
 * @module admin/server/http
 * HTTP helpers of the admin routes: JSON answers (no caching), errors in the server API's shape,
 * the session cookie, and the checks every state-changing request passes (a JSON body from the
 * dashboard's own origin).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, ERROR_CODES } from '@relais/server';
import { ADMIN_COOKIE, ADMIN_PATH } from '../shared/protocol.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers?: Record<string, string | string[]>): void {
  sendJson(res, error.status, { error: error.toJSON() }, headers);
}

/** 401: no session, or one that expired or was revoked. */
export const notLoggedIn = (): ApiError =>
  new ApiError(ERROR_CODES.UNAUTHORIZED, 'log in to the admin dashboard first (POST /admin/api/login)', { status: 401 });

/** The session token the request carries in its cookie. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === ADMIN_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie of a session (`maxAgeMs` 0: clears it). Secure when the request came over TLS. */
export function cookieHeader(req: IncomingMessage, token: string, maxAgeMs: number): string {
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
  const age = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${ADMIN_COOKIE}=${token}; Path=${ADMIN_PATH}; Max-Age=${age}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/**
 * Refuses a state-changing request that is not a JSON body from this origin (415, 403): with
 * the SameSite=Strict cookie, a second guard against cross-site requests.
 */
export function checkSameOriginJson(req: IncomingMessage): ApiError | undefined {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    return new ApiError(ERROR_CODES.BAD_REQUEST, 'the body must be JSON (content-type: application/json)', { status: 415 });
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host)
      return new ApiError(ERROR_CODES.PERMISSION_DENIED, `requests from origin ${origin.slice(0, 100)} are refused`, { status: 403 });
  }
  return undefined;
}

/** The request's JSON body; an ApiError 107 when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(ERROR_CODES.BAD_REQUEST, `the body is not valid JSON: ${(error as Error).message}`);
  }
}
