/**
 * @module connection
 * One session over one transport: the connect handshake, commands in flight matched to replies by id,
 * heartbeats (ping push -> ping command, RTT) and dead-peer detection. It ends exactly once,
 * through `handlers.lost`, unless its owner ends it with `close()`.
 */
import {
  ERROR_CODES,
  ProtocolError,
  parseServerFrame,
  type Codec,
  type ConnectParams,
  type ConnectResult,
  type Frame,
  type Push,
  type Reply,
} from '@relais/protocol';
import type { RelaisError } from './errors.js';
import {
  ClientProtocolError,
  ConnectionLostError,
  HeartbeatTimeoutError,
  MessageTooLargeError,
  ServerError,
  TimeoutError,
  TransportError,
} from './errors.js';
import type { Request } from './request.js';
import type { StatsCollector } from './stats.js';
import { Timeout, type Timers } from './timer.js';
import { frameBytes, type ClientTransport, type OpenTransport } from './transports/client-transport.js';

/** Why a connection ended: a close code from the server, and/or a local error. */
export interface LostReason {
  code?: number;
  reason: string;
  error?: RelaisError;
}

export interface ConnectionHandlers {
  connected(result: ConnectResult): void;
  push(push: Push): void;
  /** The session ended; `retry` holds in-flight requests marked retryOnReconnect, in send order. */
  lost(reason: LostReason, retry: Request[]): void;
  /** The connect command got a reply error. The session is already closed; `lost` is not called. */
  refused(error: ServerError, retry: Request[]): void;
  /**
   * A resendable request (retryOnReconnect) got 115, engine unavailable: true when it will be
   * resent later (same params, so the same idempotency key), false to reject it with `error`.
   */
  unavailable(request: Request, error: ServerError): boolean;
  log(message: string, ...details: unknown[]): void;
}

export interface ConnectionParams {
  codec: Codec;
  /** Opens the transport (WebSocket, HTTP stream, SSE) this session runs on. */
  transport: OpenTransport;
  timers: Timers;
  stats: StatsCollector;
  connectTimeoutMs: number;
  connectParams: ConnectParams;
  handlers: ConnectionHandlers;
}

export class Connection {
  readonly #p: ConnectionParams;
  readonly #transport: ClientTransport;
  readonly #inflight = new Map<number, Request>();
  readonly #pings = new Map<number, number>();
  readonly #connectTimer: Timeout;
  readonly #heartbeat: Timeout;
  #nextId = 0;
  #result: ConnectResult | undefined;
  #ended = false;

  constructor(params: ConnectionParams) {
    this.#p = params;
    this.#connectTimer = new Timeout(params.timers);
    this.#heartbeat = new Timeout(params.timers);
    // The constructor throws on a malformed URL: let it, before any timer is started.
    this.#transport = params.transport({
      open: () => this.#onOpen(),
      message: (frame, bytes) => this.#onMessage(frame, bytes),
      close: (code, reason) => this.#end({ code, reason: reason || `closed with ${code}` }, false),
      error: (cause) => params.handlers.log('transport error', cause),
    });
    this.#connectTimer.start(params.connectTimeoutMs, () =>
      this.#end({ reason: 'connect timeout', error: new TimeoutError('connect', params.connectTimeoutMs) }),
    );
  }

  /** The connect result, once connected. */
  get result(): ConnectResult | undefined {
    return this.#result;
  }

  get inflightCount(): number {
    return this.#inflight.size;
  }

  /**
   * Writes `request` now. Rejects it with MessageTooLargeError, without writing, when the
   * encoded command exceeds the server's maxMessageBytes.
   */
  send(request: Request): void {
    const id = ++this.#nextId;
    const frame = this.#p.codec.encode({ id, method: request.method, params: request.params });
    const bytes = frameBytes(frame);
    const max = this.#result?.maxMessageBytes;
    if (max !== undefined && max > 0 && bytes > max) {
      request.reject(new MessageTooLargeError(bytes, max));
      return;
    }
    request.id = id;
    this.#inflight.set(id, request);
    this.#write(frame, bytes, request.method);
  }

  /** Forgets `request` (it timed out). */
  forget(request: Request): void {
    if (request.id !== undefined && this.#inflight.get(request.id) === request) this.#inflight.delete(request.id);
  }

  /** Ends the session without calling `lost`; returns every request still in flight, in order. */
  close(code = 1000, reason = ''): Request[] {
    if (this.#ended) return [];
    this.#ended = true;
    this.#stopTimers();
    this.#transport.close(code, reason);
    const pending = [...this.#inflight.values()];
    this.#inflight.clear();
    return pending;
  }

  #write(frame: Frame, bytes: number, what: string): void {
    this.#p.handlers.log(`-> ${what}`, frame);
    try {
      this.#transport.send(frame);
      this.#p.stats.sent(bytes);
    } catch (cause) {
      // The close event follows; the request stays in flight and is handled by `lost`.
      this.#p.handlers.log('send failed', cause);
    }
  }

  #onOpen(): void {
    const id = ++this.#nextId;
    const frame = this.#p.codec.encode({ id, method: 'connect', params: this.#p.connectParams });
    this.#connectId = id;
    this.#write(frame, frameBytes(frame), 'connect');
  }

  #connectId = 0;

  #onMessage(frame: Frame, bytes: number): void {
    if (this.#ended) return;
    let values: unknown[];
    try {
      values = this.#p.codec.decode(frame);
    } catch (error) {
      this.#protocolError(error);
      return;
    }
    this.#p.stats.received(values.length, bytes);
    this.#armHeartbeat();
    for (const value of values) {
      if (this.#ended) return;
      let parsed;
      try {
        parsed = parseServerFrame(value);
      } catch (error) {
        this.#protocolError(error);
        return;
      }
      this.#p.handlers.log('<-', parsed);
      if (parsed === null) continue;
      if ('id' in parsed) this.#onReply(parsed);
      else this.#onPush(parsed);
    }
  }

  #onReply(reply: Reply): void {
    if (reply.id === this.#connectId && this.#result === undefined) {
      this.#onConnectReply(reply);
      return;
    }
    const sentAt = this.#pings.get(reply.id);
    if (sentAt !== undefined) {
      this.#pings.delete(reply.id);
      this.#p.stats.rttMs = this.#p.timers.now() - sentAt;
      return;
    }
    const request = this.#inflight.get(reply.id);
    if (!request) return; // timed out already, or a reply we never asked for: ignore.
    this.#inflight.delete(reply.id);
    if (!('error' in reply)) {
      request.resolve(reply.result);
      return;
    }
    const error = new ServerError(reply.error);
    if (request.retryOnReconnect && error.serverCode === ERROR_CODES.ENGINE_UNAVAILABLE && this.#p.handlers.unavailable(request, error))
      return;
    request.reject(error);
  }

  #onConnectReply(reply: Reply): void {
    this.#connectTimer.stop();
    if ('error' in reply) {
      const retry = this.#takeRetryable();
      this.close();
      this.#p.handlers.refused(new ServerError(reply.error), retry);
      return;
    }
    this.#result = reply.result as ConnectResult;
    this.#armHeartbeat();
    this.#p.handlers.connected(this.#result);
  }

  #onPush(push: Push): void {
    if (push.type === 'ping') {
      this.#ping();
      return;
    }
    if (push.type === 'disconnect') {
      // The close frame carries the same code; act now so nothing more is written.
      this.#end({ code: push.code, reason: push.reason });
      return;
    }
    this.#p.handlers.push(push);
  }

  #ping(): void {
    if (this.#result === undefined) return;
    const id = ++this.#nextId;
    this.#pings.set(id, this.#p.timers.now());
    const frame = this.#p.codec.encode({ id, method: 'ping', params: {} });
    this.#write(frame, frameBytes(frame), 'ping');
  }

  #armHeartbeat(): void {
    const result = this.#result;
    if (!result || !(result.pingIntervalMs > 0)) return;
    const silentMs = result.pingIntervalMs + (result.pongTimeoutMs > 0 ? result.pongTimeoutMs : 0);
    this.#heartbeat.start(silentMs, () => this.#end({ reason: 'heartbeat timeout', error: new HeartbeatTimeoutError(silentMs) }));
  }

  #protocolError(cause: unknown): void {
    const message = cause instanceof ProtocolError ? cause.message : String(cause);
    this.#end({ reason: 'protocol error', error: new ClientProtocolError(message, { cause }) });
  }

  #takeRetryable(): Request[] {
    const retry: Request[] = [];
    for (const request of this.#inflight.values()) {
      if (request.retryOnReconnect) retry.push(request);
      else request.reject(new ConnectionLostError(request.method));
    }
    this.#inflight.clear();
    return retry;
  }

  #stopTimers(): void {
    this.#connectTimer.stop();
    this.#heartbeat.stop();
  }

  /** Ends the session and reports it; `closeSocket` is false when the socket is already closed. */
  #end(reason: LostReason, closeSocket = true): void {
    if (this.#ended) return;
    const retry = this.#takeRetryable();
    this.#ended = true;
    this.#stopTimers();
    if (closeSocket) this.#transport.close(1000, reason.reason);
    if (reason.code === undefined && reason.error === undefined) {
      reason = { ...reason, error: new TransportError(reason.reason) };
    }
    this.#p.handlers.lost(reason, retry);
  }
}
