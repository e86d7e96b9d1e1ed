/**
 * @module @relais/app-admin/server
 * The admin dashboard's server half, installed by `relais serve` when the config has `admin`
 * (a password or an admin JWT secret). It uses only the public API of @relais/server.
 * @example
 * const admin = installAdmin(relais, { password: process.env.RELAIS_ADMIN_PASSWORD });
 */
export { ADMIN_LOGOUT_MESSAGE, MAX_ADMIN_BODY_BYTES, installAdmin, type AdminDashboard } from './admin.js';
export {
  ADMIN_TOKEN_AUDIENCE,
  AdminOptionsError,
  DEFAULT_ADMIN_LOGIN_ATTEMPTS_PER_MINUTE,
  DEFAULT_ADMIN_SESSION_TTL_MS,
  resolveAdminOptions,
  type AdminOptions,
  type ResolvedAdminOptions,
} from './options.js';
export { MAX_ADMIN_TRACES } from './trace-stream.js';
export {
  ADMIN_API_METHODS,
  ADMIN_API_PREFIX,
  ADMIN_COOKIE,
  ADMIN_PATH,
  type NodeRow,
  type NodesAnswer,
  type SessionInfo,
  type TraceEvent,
  type TracedFrame,
} from '../shared/protocol.js';
