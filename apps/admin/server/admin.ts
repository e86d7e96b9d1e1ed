/**
 * @module admin/server/admin
 * The admin dashboard's server half: the routes under /admin/api/ on a node — login (password
 * or admin token, rate-limited per address), session, logout, the cluster's nodes, the server
 * API methods the pages use (through `relais.callApi`, so their checks and cluster-wide reach
 * are the API's own) and frame traces as Server-Sent Events. Every route but login needs a
 * session. The page itself is static (served by `relais serve` at /admin/).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  BodyTooLarge,
  ERROR_CODES,
  TokenVerifier,
  clientAddress,
  readBody,
  resolveAuthOptions,
  type Relais,
  type RequestHandler,
} from '@relais/server';
import { ADMIN_API_METHODS, ADMIN_API_PREFIX, type SessionInfo } from '../shared/protocol.js';
import { checkSameOriginJson, cookieHeader, notLoggedIn, parseJson, sendError, sendJson, sessionCookie } from './http.js';
import { LoginLimiter } from './login-limiter.js';
import { ADMIN_TOKEN_AUDIENCE, resolveAdminOptions, type AdminOptions, type ResolvedAdminOptions } from './options.js';
import { AdminSessions, PASSWORD_USER } from './sessions.js';
import { TraceStreams, traceTarget } from './trace-stream.js';

/** Largest body of an admin request (a publish's data included), in bytes. */
export const MAX_ADMIN_BODY_BYTES = 65_536;
/** How long the nodes of the cluster have to answer `GET /admin/api/nodes`, in ms. */
export const NODES_TIMEOUT_MS = 2_000;
/** The control message that revokes a session on every node (a logout). */
export const ADMIN_LOGOUT_MESSAGE = 'admin.logout';

/** An installed dashboard: `close()` removes its routes and ends its trace streams. */
export interface AdminDashboard {
  readonly options: ResolvedAdminOptions;
  close(): void;
}

const METHODS = new Set<string>(ADMIN_API_METHODS);

interface Context {
  relais: Relais;
  options: ResolvedAdminOptions;
  sessions: AdminSessions;
  limiter: LoginLimiter;
  verifier: TokenVerifier | undefined;
  traces: TraceStreams;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  try {
    return parseJson(await readBody(req, MAX_ADMIN_BODY_BYTES));
  } catch (error) {
    if (error instanceof BodyTooLarge)
      throw new ApiError(ERROR_CODES.LIMIT_EXCEEDED, `the body is larger than ${MAX_ADMIN_BODY_BYTES} bytes`);
    throw error;
  }
}

const badLogin = (): ApiError => new ApiError(ERROR_CODES.UNAUTHORIZED, 'wrong password or admin token', { status: 401 });

/** Who `body` logs in as, or a 401 (never saying which part was wrong). */
async function authenticate(ctx: Context, body: unknown): Promise<{ user: string; notAfter?: number }> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(ERROR_CODES.BAD_REQUEST, 'login takes {"password": …} or {"token": …}');
  const { password, token, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || (password === undefined) === (token === undefined))
    throw new ApiError(ERROR_CODES.BAD_REQUEST, 'login takes {"password": …} or {"token": …}, one of them');
  if (password !== undefined) {
    if (typeof password !== 'string' || !ctx.sessions.checkPassword(password)) throw badLogin();
    return { user: PASSWORD_USER };
  }
  if (typeof token !== 'string' || !ctx.verifier) throw badLogin();
  try {
    const verified = await ctx.verifier.verify(token);
    // An admin token must end: a leaked one is then bounded in time.
    if (verified.expiresAt === undefined) throw badLogin();
    return { user: verified.user || PASSWORD_USER, notAfter: verified.expiresAt };
  } catch {
    throw badLogin();
  }
}

async function login(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], ctx.relais.options.trustedProxies) ?? 'unknown';
  const wait = ctx.limiter.attempt(address);
  if (wait > 0) {
    sendError(res, new ApiError(ERROR_CODES.TOO_MANY_REQUESTS, `too many login attempts: retry in ${wait} s`, { status: 429 }), {
      'retry-after': String(wait),
    });
    return;
  }
  const { user, notAfter } = await authenticate(ctx, await readJson(req));
  const { token, session } = ctx.sessions.issue(user, notAfter);
  sendJson(res, 200, session satisfies SessionInfo, { 'set-cookie': cookieHeader(req, token, session.expiresAt - Date.now()) });
}

async function route(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const name = url.pathname.slice(ADMIN_API_PREFIX.length);
  const method = req.method ?? 'GET';
  if (method === 'POST') {
    const refused = checkSameOriginJson(req);
    if (refused) return sendError(res, refused);
  }
  if (name === 'login') {
    if (method !== 'POST') return sendError(res, new ApiError(ERROR_CODES.BAD_REQUEST, 'use POST /admin/api/login', { status: 405 }));
    return login(ctx, req, res);
  }
  const token = sessionCookie(req);
  const session = ctx.sessions.verify(token);
  if (!session) return sendError(res, notLoggedIn());
  if (method === 'GET' && name === 'session') return sendJson(res, 200, session);
  if (method === 'POST' && name === 'logout') {
    const revoked = ctx.sessions.revoke(token);
    if (revoked) await ctx.relais.cluster.send(undefined, ADMIN_LOGOUT_MESSAGE, revoked).catch(() => undefined);
    return sendJson(res, 200, {}, { 'set-cookie': cookieHeader(req, '', 0) });
  }
  if (method === 'GET' && name === 'nodes') return sendJson(res, 200, await ctx.relais.clusterStats(NODES_TIMEOUT_MS));
  if (method === 'GET' && name === 'trace') return ctx.traces.open(req, res, traceTarget(url), session.expiresAt);
  if (method === 'POST' && METHODS.has(name)) return sendJson(res, 200, { result: await ctx.relais.callApi(name, await readJson(req)) });
  sendError(res, new ApiError(ERROR_CODES.METHOD_NOT_FOUND, `no admin route ${method} ${url.pathname.slice(0, 100)}`, { status: 404 }));
}

function handler(ctx: Context): RequestHandler {
  return async (req, res) => {
    try {
      await route(ctx, req, res);
    } catch (error) {
      if (res.headersSent) res.end();
      else if (error instanceof ApiError) sendError(res, error);
      else if (error instanceof TypeError || error instanceof RangeError)
        sendError(res, new ApiError(ERROR_CODES.BAD_REQUEST, error.message));
      else {
        ctx.relais.options.logger?.error({ err: error }, 'admin route failed');
        sendError(res, new ApiError(ERROR_CODES.INTERNAL));
      }
    }
    return true;
  };
}

/**
 * Installs the dashboard's routes on `relais` (under /admin/api/). Throws AdminOptionsError on
 * bad options (none of password and jwtSecret included).
 * @example
 * const admin = installAdmin(relais, { password: process.env.RELAIS_ADMIN_PASSWORD });
 */
export function installAdmin(relais: Relais, options: AdminOptions): AdminDashboard {
  const resolved = resolveAdminOptions(options);
  const sessions = new AdminSessions(resolved);
  const verifier =
    resolved.jwtSecret === undefined
      ? undefined
      : new TokenVerifier(resolveAuthOptions({ hmacSecret: resolved.jwtSecret, audience: ADMIN_TOKEN_AUDIENCE }));
  const traces = new TraceStreams(relais);
  const ctx: Context = {
    relais,
    options: resolved,
    sessions,
    limiter: new LoginLimiter(resolved.loginAttemptsPerMinute),
    verifier,
    traces,
  };
  const disposers = [
    relais.route({ path: ADMIN_API_PREFIX, request: handler(ctx) }),
    relais.cluster.handle(ADMIN_LOGOUT_MESSAGE, (body) => {
      const { id, expiresAt } = body as { id: unknown; expiresAt: unknown };
      if (typeof id === 'string' && typeof expiresAt === 'number') sessions.revokeId(id, expiresAt);
    }),
  ];
  return {
    options: resolved,
    close() {
      for (const dispose of disposers) dispose();
      traces.close();
    },
  };
}
