/**
 * @module errors
 * The two wire errors (ReplyError, Disconnect) and ProtocolError, raised by strict decoding.
 */
import {
  DISCONNECT_REASONS,
  ERROR_MESSAGES,
  TEMPORARY_ERROR_CODES,
  shouldReconnect,
  type DisconnectCode,
  type ErrorCode,
} from './codes.js';

/** The wire shape of a reply error. */
export interface ErrorShape {
  code: number;
  message: string;
  temporary: boolean;
}

/**
 * One command failed; the connection lives on. Hooks throw it to send a chosen error:
 * codes 400–1999 are free for applications.
 * @example throw new ReplyError(403, 'only moderators may post here')
 */
export class ReplyError extends Error implements ErrorShape {
  override readonly name = 'ReplyError';
  readonly code: number;
  readonly temporary: boolean;

  constructor(code: number, message?: string, options?: { temporary?: boolean; cause?: unknown }) {
    super(message ?? ERROR_MESSAGES[code as ErrorCode] ?? `error ${code}`, { cause: options?.cause });
    this.code = code;
    this.temporary = options?.temporary ?? TEMPORARY_ERROR_CODES.has(code);
  }

  /** The wire shape, without stack or cause. */
  toJSON(): ErrorShape {
    return { code: this.code, message: this.message, temporary: this.temporary };
  }

  static from(shape: ErrorShape): ReplyError {
    return new ReplyError(shape.code, shape.message, { temporary: shape.temporary });
  }
}

/**
 * The connection closes with `code` and `reason`. The code range decides whether the client
 * reconnects (see `shouldReconnect`). Hooks may throw one to drop the connection.
 * @example throw new Disconnect(DISCONNECT_CODES.FORCE_DISCONNECT, 'banned')
 */
export class Disconnect extends Error {
  override readonly name = 'Disconnect';
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason?: string, options?: { cause?: unknown }) {
    const text = reason ?? DISCONNECT_REASONS[code as DisconnectCode] ?? `disconnect ${code}`;
    super(text, { cause: options?.cause });
    this.code = code;
    this.reason = text;
  }

  /** Whether the client should reconnect after this disconnect. */
  get reconnect(): boolean {
    return shouldReconnect(this.code);
  }
}

/** Stable identifiers of protocol violations found while decoding. */
export type ProtocolErrorCode =
  | 'PROTO_ERR_MALFORMED_FRAME'
  | 'PROTO_ERR_INVALID_ENVELOPE'
  | 'PROTO_ERR_INVALID_ID'
  | 'PROTO_ERR_UNKNOWN_METHOD'
  | 'PROTO_ERR_INVALID_PARAMS'
  | 'PROTO_ERR_FRAME_TOO_LARGE'
  | 'PROTO_ERR_UNEXPECTED_BINARY'
  | 'PROTO_ERR_UNEXPECTED_TEXT';

/**
 * A frame broke protocol v1. `message` says precisely what was wrong (it is safe to send to
 * the peer: it never quotes more than a few characters of the input).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
