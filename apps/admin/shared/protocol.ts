/**
 * @module admin/shared/protocol
 * The admin dashboard's wire contract, written once for its page (src/) and its server half
 * (server/): the routes under /admin/api/, what they take and answer. It imports nothing.
 */

/** Where the page is served. */
export const ADMIN_PATH = '/admin/';
/** Where the admin HTTP routes are; every one but `login` needs a session. */
export const ADMIN_API_PREFIX = '/admin/api/';
/** The session cookie (HttpOnly, SameSite=Strict, Path=/admin/). */
export const ADMIN_COOKIE = 'relais_admin';

/**
 * Server API methods the dashboard calls through `POST /admin/api/<method>` (body: the method's
 * params, as in docs/api.md), run by the node's server API (`relais.callApi`).
 */
export const ADMIN_API_METHODS = [
  'info',
  'channels',
  'presence',
  'presence_stats',
  'history',
  'publish',
  'disconnect',
  'unsubscribe',
] as const;
export type AdminApiMethod = (typeof ADMIN_API_METHODS)[number];

/** `POST /admin/api/login`: a password, or an admin token (a JWT signed with the admin secret). */
export type LoginRequest = { password: string } | { token: string };

/** `POST /admin/api/login` and `GET /admin/api/session` answer who is logged in, until when. */
export interface SessionInfo {
  user: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/** Every failure: `{ error: {code, message, temporary} }` with the HTTP status of its code. */
export interface AdminError {
  code: number;
  message: string;
  temporary: boolean;
}

/** One node in `GET /admin/api/nodes` (NodeStats of @relais/server). */
export interface NodeRow {
  id: string;
  version: string;
  startedAt: number;
  uptimeMs: number;
  at: number;
  connections: number;
  subscriptions: number;
  channels: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  eventLoopLagMs: number | null;
  traces: number;
}

/** `GET /admin/api/nodes`: every node that answered, and those that did not. */
export interface NodesAnswer {
  nodes: NodeRow[];
  errors: { node: string; message: string }[];
}

/** One traced frame (TraceFrame of @relais/server). */
export interface TracedFrame {
  at: number;
  node: string;
  client: string;
  user: string;
  direction: 'in' | 'out';
  kind: 'command' | 'reply' | 'push' | 'connect' | 'close';
  frame: unknown;
}

/**
 * `GET /admin/api/trace?user=<id>` or `?channel=<name>`: a Server-Sent Events stream; each
 * `frames` event carries a TraceEvent (one node's batch). The trace ends when the stream does.
 */
export interface TraceEvent {
  node: string;
  frames: TracedFrame[];
  /** Frames that node left out of this batch (more than it sends per batch). */
  dropped: number;
}
