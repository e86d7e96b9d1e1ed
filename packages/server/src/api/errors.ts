/**
 * @module api/errors
 * Errors of the HTTP server API: the wire error (`{code, message, temporary}`, the codes of the
 * protocol) and the HTTP status each code is answered with.
 */
import { ERROR_CODES, ERROR_MESSAGES, ReplyError, TEMPORARY_ERROR_CODES, type ErrorCode } from '@relais/protocol';
import { ClusterError } from '../cluster/cluster.js';

/** The body of every API error reply: `{"error": {...}}`. */
export interface ApiErrorShape {
  code: number;
  message: string;
  temporary: boolean;
}

/**
 * A failed API call or batch command: a protocol error code, a message for the caller, whether
 * a retry may succeed, and the HTTP status (derived from the code unless given).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: number;
  readonly temporary: boolean;
  readonly status: number;

  constructor(code: number, message?: string, { status, temporary }: { status?: number; temporary?: boolean } = {}) {
    super(message ?? ERROR_MESSAGES[code as ErrorCode] ?? `error ${code}`);
    this.code = code;
    this.temporary = temporary ?? TEMPORARY_ERROR_CODES.has(code);
    this.status = status ?? statusOf(code);
  }

  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, temporary: this.temporary };
  }
}

/** HTTP status of each protocol error code; codes not listed (and app codes 400–1999) are 400. */
const STATUS_BY_CODE: Readonly<Record<number, number>> = {
  [ERROR_CODES.INTERNAL]: 500,
  [ERROR_CODES.UNAUTHORIZED]: 401,
  [ERROR_CODES.PERMISSION_DENIED]: 403,
  [ERROR_CODES.METHOD_NOT_FOUND]: 404,
  [ERROR_CODES.LIMIT_EXCEEDED]: 413,
  [ERROR_CODES.TOO_MANY_REQUESTS]: 429,
  [ERROR_CODES.TIMEOUT]: 504,
  [ERROR_CODES.ENGINE_UNAVAILABLE]: 503,
};

/**
 * The HTTP status of an error code: 400 bad input (107, 102, 108, …), 401 no or bad key (101),
 * 404 unknown method (104), 413 too large (106), 429 (111), 500 (100), 503 engine unavailable
 * (115), 504 a node did not answer in time (114).
 */
export function statusOf(code: number): number {
  return STATUS_BY_CODE[code] ?? 400;
}

/** A 107 (bad request) naming what is wrong with the input. */
export function badRequest(message: string): ApiError {
  return new ApiError(ERROR_CODES.BAD_REQUEST, message);
}

/**
 * What the caller is told of `error`: an ApiError as is; a ReplyError or a ClusterError with
 * its code; a TypeError or RangeError of the server API (bad input) as 107 with its message;
 * anything else as 100 without details (`internal` says to log it in full).
 */
export function toApiError(error: unknown): { error: ApiError; internal: boolean } {
  if (error instanceof ApiError) return { error, internal: false };
  if (error instanceof ReplyError)
    return { error: new ApiError(error.code, error.message, { temporary: error.temporary }), internal: false };
  if (error instanceof ClusterError) {
    const code = error.code ?? (error.temporary ? ERROR_CODES.TIMEOUT : ERROR_CODES.INTERNAL);
    return {
      error: new ApiError(code, error.message, { temporary: error.temporary }),
      internal: error.code === undefined && !error.temporary,
    };
  }
  if (error instanceof TypeError || error instanceof RangeError) return { error: badRequest(error.message), internal: false };
  return { error: new ApiError(ERROR_CODES.INTERNAL), internal: true };
}
