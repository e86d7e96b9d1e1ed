/**
 * @module codes
 * Every error and disconnect code of relais protocol v1, defined once for server and client.
 *
 * Two kinds of wire error exist:
 * - a ReplyError answers one command; the connection lives on. Codes 100–399 are relais's,
 *   400–1999 belong to applications (hooks may throw them).
 * - a Disconnect closes the connection. Its code range tells the client what to do:
 *   3000–3499 and 4000–4499 reconnect (with backoff); 3500–3999 and 4500–4999 are terminal.
 *   WebSocket close codes below 3000 (1000, 1001, 1006, …) are transport-level: reconnect.
 */

/** Reply error codes owned by relais (100–399). */
export const ERROR_CODES = {
  /** An unexpected failure on the server; details are in the server log only. */
  INTERNAL: 100,
  /** The connection is not authenticated, or its credentials were refused. */
  UNAUTHORIZED: 101,
  /** The channel's namespace is not configured. */
  UNKNOWN_CHANNEL: 102,
  /** The caller may not do this on this channel. */
  PERMISSION_DENIED: 103,
  /** No such command, or no RPC handler registered under that method. */
  METHOD_NOT_FOUND: 104,
  /** The connection is already subscribed to that channel. */
  ALREADY_SUBSCRIBED: 105,
  /** A configured limit (channels per connection, payload size, …) would be exceeded. */
  LIMIT_EXCEEDED: 106,
  /** The command is well framed but its parameters are invalid. */
  BAD_REQUEST: 107,
  /** The feature is not enabled for that channel or on this node. */
  NOT_AVAILABLE: 108,
  /** The token has expired: get a new one and retry. */
  TOKEN_EXPIRED: 109,
  /** A rate limit was hit: retry later. Temporary. */
  TOO_MANY_REQUESTS: 111,
  /** A recovery position is too old or belongs to another epoch. */
  UNRECOVERABLE_POSITION: 112,
  /** The connection is not subscribed to that channel. */
  NOT_SUBSCRIBED: 113,
  /** The server-side handler did not answer in time. Temporary. */
  TIMEOUT: 114,
  /** The engine (e.g. Redis) is unreachable from this node; the command did not run. Temporary. */
  ENGINE_UNAVAILABLE: 115,
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** First code reserved for applications in ReplyError. */
export const APP_ERROR_CODE_MIN = 400;
/** Last code reserved for applications in ReplyError. */
export const APP_ERROR_CODE_MAX = 1999;

/** Default messages for relais's reply error codes. */
export const ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  100: 'internal server error',
  101: 'unauthorized',
  102: 'unknown channel',
  103: 'permission denied',
  104: 'method not found',
  105: 'already subscribed',
  106: 'limit exceeded',
  107: 'bad request',
  108: 'not available',
  109: 'token expired',
  111: 'too many requests',
  112: 'unrecoverable position',
  113: 'not subscribed',
  114: 'timeout',
  115: 'the engine is unreachable; retry',
};

/** Codes whose errors are temporary by default: the same command may succeed later. */
export const TEMPORARY_ERROR_CODES: ReadonlySet<number> = new Set([100, 111, 114, 115]);

/** Disconnect codes owned by relais. */
export const DISCONNECT_CODES = {
  // 3000–3499: the client reconnects.
  /** The server is shutting down or restarting; reconnect (to another node). */
  SHUTDOWN: 3001,
  /** An internal server error ended the connection. */
  SERVER_ERROR: 3004,
  /** The connection's token expired and was not refreshed. */
  EXPIRED: 3005,
  /** The node is at its connection limit. */
  CONNECTION_LIMIT: 3006,
  /** The client did not read fast enough: its outbound queue overflowed. */
  SLOW: 3008,
  /** Writing to the transport failed. */
  WRITE_ERROR: 3009,
  /** The server lost track of this client's stream positions: reconnect and recover. */
  INSUFFICIENT_STATE: 3010,
  /** The server asks the client to reconnect now. */
  FORCE_RECONNECT: 3011,
  /** No frame arrived from the client within the heartbeat window. */
  NO_PONG: 3012,
  /** The client sent commands far above its rate limit. */
  FLOOD: 3013,
  /** The client did not send `connect` within the connect timeout. */
  CONNECT_TIMEOUT: 3014,
  // 3500–3999: terminal, the client does not reconnect by itself.
  /** The connection token is invalid (bad signature, algorithm, audience, …). */
  INVALID_TOKEN: 3500,
  /** The client broke the protocol: malformed frame, missing id, command before connect. */
  BAD_REQUEST: 3501,
  /** The server disconnected the client and does not want it back. */
  FORCE_DISCONNECT: 3503,
  /** The connection was refused by the application (onConnecting hook). */
  CONNECTION_REFUSED: 3505,
  /** The client asked for a protocol version or encoding this server does not speak. */
  UNSUPPORTED_PROTOCOL: 3506,
} as const;

export type DisconnectCode = (typeof DISCONNECT_CODES)[keyof typeof DISCONNECT_CODES];

/** Default reasons for relais's disconnect codes (sent as the WebSocket close reason). */
export const DISCONNECT_REASONS: Readonly<Record<DisconnectCode, string>> = {
  3001: 'shutdown',
  3004: 'internal server error',
  3005: 'token expired',
  3006: 'connection limit reached',
  3008: 'slow consumer',
  3009: 'write error',
  3010: 'insufficient state',
  3011: 'force reconnect',
  3012: 'no pong',
  3013: 'flood',
  3014: 'connect timeout',
  3500: 'invalid token',
  3501: 'bad request',
  3503: 'force disconnect',
  3505: 'connection refused',
  3506: 'unsupported protocol',
};

/**
 * Whether a client should reconnect after a close with this code.
 * 3500–3999 and 4500–4999 are terminal; everything else (1000–2999 transport codes,
 * 3000–3499, 4000–4499, >= 5000) allows a reconnect with backoff.
 */
export function shouldReconnect(code: number): boolean {
  if (code >= 3500 && code <= 3999) return false;
  if (code >= 4500 && code <= 4999) return false;
  return true;
}

/** Whether `code` is a valid application/relais disconnect code (3000–4999). */
export function isDisconnectCode(code: number): boolean {
  return Number.isInteger(code) && code >= 3000 && code <= 4999;
}
