/**
 * @module errors
 * Typed errors of the client SDK. Every class sets `name` and a stable string `code`;
 * wire errors (ReplyError, Disconnect codes) come from @relais/protocol and are wrapped here.
 */
import { ReplyError, type ErrorShape } from '@relais/protocol';

export type RelaisErrorCode =
  | 'RELAIS_ERR_SERVER'
  | 'RELAIS_ERR_TIMEOUT'
  | 'RELAIS_ERR_CLIENT_CLOSED'
  | 'RELAIS_ERR_CONNECTION_LOST'
  | 'RELAIS_ERR_DISCONNECTED'
  | 'RELAIS_ERR_QUEUE_FULL'
  | 'RELAIS_ERR_MESSAGE_TOO_LARGE'
  | 'RELAIS_ERR_INVALID_OPTIONS'
  | 'RELAIS_ERR_TRANSPORT'
  | 'RELAIS_ERR_PROTOCOL'
  | 'RELAIS_ERR_TOKEN'
  | 'RELAIS_ERR_HEARTBEAT_TIMEOUT'
  | 'RELAIS_ERR_RECONNECT_EXHAUSTED'
  | 'RELAIS_ERR_NOT_CONNECTED'
  | 'RELAIS_ERR_OUTBOX_EXPIRED'
  | 'RELAIS_ERR_OUTBOX_STORE';

/** Base of every error the SDK rejects with or emits. */
export class RelaisError extends Error {
  override readonly name: string = 'RelaisError';
  readonly code: RelaisErrorCode;

  constructor(code: RelaisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The server answered the command with a ReplyError (`cause` is that ReplyError). */
export class ServerError extends RelaisError {
  override readonly name = 'ServerError';
  /** The protocol reply error code (e.g. 103 permission denied, 111 too many requests). */
  readonly serverCode: number;
  /** Whether the same command may succeed later. */
  readonly temporary: boolean;

  constructor(shape: ErrorShape) {
    super('RELAIS_ERR_SERVER', `${shape.message} (${shape.code})`, { cause: ReplyError.from(shape) });
    this.serverCode = shape.code;
    this.temporary = shape.temporary;
  }
}

/** No reply within the call's `timeoutMs` (time in the offline queue included). */
export class TimeoutError extends RelaisError {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super('RELAIS_ERR_TIMEOUT', `${what} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** `client.close()` was called before the call completed, or the call came after it. */
export class ClientClosedError extends RelaisError {
  override readonly name = 'ClientClosedError';

  constructor() {
    super('RELAIS_ERR_CLIENT_CLOSED', 'the client is closed');
  }
}

/**
 * The connection dropped after an rpc/send was written and before its reply: the server may or
 * may not have run it, so the SDK does not resend it (publishes, being idempotent, are resent).
 */
export class ConnectionLostError extends RelaisError {
  override readonly name = 'ConnectionLostError';

  constructor(method: string) {
    super('RELAIS_ERR_CONNECTION_LOST', `connection lost before the ${method} reply; it may or may not have run`);
  }
}

/** The client stopped reconnecting (terminal disconnect code): queued calls are rejected. */
export class DisconnectedError extends RelaisError {
  override readonly name = 'DisconnectedError';
  /** The disconnect (WebSocket close) code, when there was one. */
  readonly disconnectCode: number | undefined;
  readonly reason: string;

  constructor(reason: string, disconnectCode?: number, options?: { cause?: unknown }) {
    super('RELAIS_ERR_DISCONNECTED', `disconnected: ${reason}${disconnectCode ? ` (${disconnectCode})` : ''}`, options);
    this.disconnectCode = disconnectCode;
    this.reason = reason;
  }
}

/** A call that only makes sense live (an ephemeral publish) was made while not connected. */
export class NotConnectedError extends RelaisError {
  override readonly name = 'NotConnectedError';

  constructor(what: string) {
    super('RELAIS_ERR_NOT_CONNECTED', `${what} needs a live connection; it is never queued offline`);
  }
}

/** The offline queue already holds `maxQueueSize` calls. */
export class QueueFullError extends RelaisError {
  override readonly name = 'QueueFullError';
  readonly maxQueueSize: number;

  constructor(maxQueueSize: number) {
    super('RELAIS_ERR_QUEUE_FULL', `the offline queue is full (${maxQueueSize} calls)`);
    this.maxQueueSize = maxQueueSize;
  }
}

/** The encoded command exceeds the server's `maxMessageBytes`; it was not sent. */
export class MessageTooLargeError extends RelaisError {
  override readonly name = 'MessageTooLargeError';
  readonly sizeBytes: number;
  readonly maxBytes: number;

  constructor(sizeBytes: number, maxBytes: number) {
    super('RELAIS_ERR_MESSAGE_TOO_LARGE', `message of ${sizeBytes} bytes exceeds the server limit of ${maxBytes} bytes`);
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
}

/** Contradictory or out-of-range options, found by the constructor. */
export class InvalidOptionsError extends RelaisError {
  override readonly name = 'InvalidOptionsError';

  constructor(message: string) {
    super('RELAIS_ERR_INVALID_OPTIONS', message);
  }
}

/** The WebSocket failed (could not open, error event). */
export class TransportError extends RelaisError {
  override readonly name = 'TransportError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RELAIS_ERR_TRANSPORT', message, options);
  }
}

/** The server sent a frame that protocol v1 does not allow (`cause` is the ProtocolError). */
export class ClientProtocolError extends RelaisError {
  override readonly name = 'ClientProtocolError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RELAIS_ERR_PROTOCOL', message, options);
  }
}

/** `getToken()` threw or returned something other than a string. */
export class TokenError extends RelaisError {
  override readonly name = 'TokenError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RELAIS_ERR_TOKEN', message, options);
  }
}

/** No frame from the server for pingIntervalMs + pongTimeoutMs: the connection is presumed dead. */
export class HeartbeatTimeoutError extends RelaisError {
  override readonly name = 'HeartbeatTimeoutError';

  constructor(silentMs: number) {
    super('RELAIS_ERR_HEARTBEAT_TIMEOUT', `no frame from the server for ${silentMs} ms`);
  }
}

/** `maxReconnectAttempts` retries failed in a row; the client stays disconnected. */
export class ReconnectExhaustedError extends RelaisError {
  override readonly name = 'ReconnectExhaustedError';

  constructor(attempts: number) {
    super('RELAIS_ERR_RECONNECT_EXHAUSTED', `gave up after ${attempts} reconnect attempts`);
  }
}
