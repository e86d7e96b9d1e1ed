/**
 * @module session
 * One client connection: the state machine, inbound decoding, the command dispatch table,
 * coalesced outbound writes and the heartbeat. Commands live in commands/.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  DISCONNECT_CODES,
  DISCONNECT_REASONS,
  ERROR_CODES,
  ProtocolError,
  ReplyError,
  parseCommand,
  type Codec,
  type Command,
  type Frame,
  type Method,
  type ParsedCommand,
  type ClientInfo,
  type Push,
} from '@relais/protocol';
import { SessionAuth } from './auth/session-auth.js';
import { answer, fail, type AnsweredSession } from './commands/answer.js';
import { COMMAND_HANDLERS } from './commands/index.js';
import type { CommandHandler, NodeServices, SessionState } from './commands/context.js';
import type { ClientDetails } from './events.js';
import { sharedFlushQueue, type Flushable } from './flush-queue.js';
import { Heartbeat, type HeartbeatActions } from './heartbeat.js';
import type { ConnectionMeter } from './metrics/metrics.js';
import type { ConnectionLimiter, Verdict } from './rate-limit/rate-limiter.js';
import { SessionChannels } from './session-channels.js';
import type { SessionTap } from './trace/tracer.js';
import { shedPublications } from './slow-consumer.js';
import { frameBytes, truncateReason, type Transport, type TransportInfo } from './transport.js';

export type { SessionState } from './commands/context.js';

const PING_PUSH = { type: 'ping' } as const;

export class Session implements AnsweredSession, Flushable, HeartbeatActions {
  /**
   * Connection id, sent in ConnectResult.client: 96 random bits in 16 base64url characters,
   * unique enough across a cluster and 20 bytes shorter than a UUID in every publication's
   * publisher info, presence entry and join/leave push.
   */
  readonly client: string = randomBytes(12).toString('base64url');
  /** Channels held: subscribed, or being subscribed (see session-channels). */
  readonly channels: SessionChannels;
  /** Token claims and expiry timers (see auth/). */
  readonly auth = new SessionAuth();
  /** This connection's rate limits (see rate-limit/). */
  readonly limiter: ConnectionLimiter;
  /**
   * @internal Set by the node's tracer while a trace follows this connection. Checked once per
   * frame in and out: without traces, that check is all tracing costs.
   */
  tap: SessionTap | undefined = undefined;
  readonly #transport: Transport;
  readonly #node: NodeServices;
  readonly #heartbeat: Heartbeat;
  /** The transport counters of this connection's transport and encoding (shared), resolved once. */
  readonly #meter: ConnectionMeter;
  // Created on first use: most connections never need them, and an empty Set costs ~150 bytes.
  #stateListeners: Set<(state: SessionState) => void> | undefined;
  #state: SessionState = 'connecting';
  #user = '';
  #info: unknown;
  /** Commands that arrived while `connect` ran; dispatched once it succeeded. */
  #afterConnect: Command[] | undefined;
  #outbox: Frame[] = [];
  #flushScheduled = false;
  /** Commands whose handler has not answered yet. */
  #pending = 0;

  constructor(transport: Transport, node: NodeServices) {
    this.#transport = transport;
    this.#node = node;
    this.#meter = node.metrics.connection(transport.info.name, transport.codec.name);
    this.limiter = node.limiter.forConnection();
    this.channels = new SessionChannels(this, node);
    this.#heartbeat = new Heartbeat(node.options, this);
    this.#heartbeat.startConnectTimer();
  }

  get state(): SessionState {
    return this.#state;
  }

  get user(): string {
    return this.#user;
  }

  get info(): unknown {
    return this.#info;
  }

  get codec(): Codec {
    return this.#transport.codec;
  }

  get transport(): TransportInfo {
    return this.#transport.info;
  }

  /** Who this connection is, as hooks see it. */
  details(): ClientDetails {
    const details: ClientDetails = { client: this.client, user: this.#user, transport: this.#transport.info };
    if (this.#info !== undefined) details.info = this.#info;
    if (this.auth.claims !== undefined) details.claims = this.auth.claims;
    return details;
  }

  /** Who this connection is, as publications, presence and join/leave show it. */
  clientInfo(): ClientInfo {
    const info: ClientInfo = { client: this.client, user: this.#user };
    if (this.#info !== undefined) info.info = this.#info;
    return info;
  }

  /** Listens to state transitions; returns a disposer. */
  onState(listener: (state: SessionState) => void): () => void {
    (this.#stateListeners ??= new Set()).add(listener);
    return () => this.#stateListeners?.delete(listener);
  }

  /** Marks the connection authenticated (called by the connect command after its reply). */
  establish(user: string, info: unknown): void {
    if (this.#state !== 'connecting') return;
    this.#user = user;
    this.#info = info;
    this.#setState('connected');
    this.#node.metrics.connected();
    this.#node.hub.add(this);
    this.#heartbeat.start();
    if (this.#node.tracer.active) this.#node.tracer.established(this);
    const queued = this.#afterConnect ?? [];
    this.#afterConnect = undefined;
    for (const command of queued) this.#route(command);
  }

  /** Feeds one inbound transport message. Never throws. */
  handleMessage(message: Frame): void {
    if (this.#state === 'closed') return;
    const bytes = frameBytes(message);
    const meter = this.#meter;
    meter.received++;
    meter.receivedBytes += bytes;
    this.#heartbeat.seen();
    if (this.tap !== undefined) this.tap.inbound(this, message);
    let parsed: ParsedCommand[];
    try {
      // Not .map(parseCommand): map would pass the index as the parse options.
      parsed = this.codec.decode(message).map((value) => parseCommand(value, this.#node.options));
    } catch (error) {
      this.#protocolViolation(error);
      return;
    }
    const verdict = this.limiter.bytes(this.#user, bytes);
    if (verdict !== 'ok') {
      this.#refuse(verdict, parsed);
      return;
    }
    for (const item of parsed) {
      // A command of this batch may have closed the session (e.g. one sent before connect).
      if (this.#isClosed()) return;
      this.#accept(item);
    }
  }

  /** The transport closed (peer close, network error). Never throws. */
  handleClose(code: number): void {
    if (this.#state === 'closed') return;
    this.#outbox = [];
    this.#teardown(code);
  }

  /** Encodes and queues one push. */
  enqueue(value: Push): void {
    if (this.#state === 'closed') return;
    const frame = this.codec.encode(value);
    this.#node.metrics.frameSent(
      value.type === 'publication' ? 'publication' : 'push',
      'channel' in value ? value.channel : undefined,
      frameBytes(frame),
    );
    this.enqueueFrame(frame);
  }

  /** Queues an encoded reply (counted as one). */
  enqueueReply(frame: Frame): void {
    if (this.#state === 'closed') return;
    this.#node.metrics.frameSent('reply', undefined, frameBytes(frame));
    this.enqueueFrame(frame);
  }

  /**
   * Queues an encoded frame. Frames queued before the flush microtask runs (a synchronous
   * fan-out burst, replies of a batch resolved together) go out as one transport message,
   * joined by the codec; later ones go in the next message. Order is always preserved.
   */
  enqueueFrame(frame: Frame): void {
    if (this.#state === 'closed') return;
    if (this.tap !== undefined) this.tap.outbound(this, frame);
    this.#outbox.push(frame);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    sharedFlushQueue.add(this);
  }

  /** @internal The heartbeat's ping is due. */
  heartbeatPing(): void {
    this.enqueue(PING_PUSH);
  }

  /** @internal The heartbeat expired: connect did not come in time, or the peer went silent. */
  heartbeatExpired(code: number): void {
    this.close(code);
  }

  /** @internal Called by the flush queue: writes what is queued as one transport message. */
  flushOutbox(): void {
    if (this.#flushScheduled) this.#flush();
  }

  /**
   * Closes the connection: queued frames are written first, then the close frame.
   * Idempotent. `reason` defaults to the protocol's reason for `code`.
   */
  close(code: number, reason?: string): void {
    if (this.#state === 'closed') return;
    this.#flush();
    // The flush itself may have closed the session (slow consumer, write error).
    if (this.#isClosed()) return;
    const text = reason ?? DISCONNECT_REASONS[code as keyof typeof DISCONNECT_REASONS] ?? '';
    this.#teardown(code);
    try {
      this.#transport.close(code, truncateReason(text));
    } catch (error) {
      this.#node.logger.warn({ err: error, client: this.client }, 'transport close failed');
    }
  }

  #accept(item: ParsedCommand): void {
    if (!item.ok) {
      this.replyError(item.id, item.error);
      // Before connect, an invalid command (a connect with bad params included) breaks the
      // protocol: nothing else may come first.
      if (this.#state === 'connecting' && !this.#afterConnect)
        this.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${item.error.message}`);
      return;
    }
    this.#node.metrics.command(item.command.method);
    const verdict = this.limiter.command(this.#user);
    if (verdict !== 'ok') {
      this.#refuse(verdict, [item]);
      return;
    }
    if (this.#pending + (this.#afterConnect?.length ?? 0) >= this.limiter.limits.maxPendingCommands) {
      this.#node.metrics.limited('connection.pendingCommands');
      this.replyError(item.command.id, new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, 'too many pending commands'));
      return;
    }
    this.#route(item.command);
  }

  /** Refuses commands over a rate limit: 111 for each, or a close with 3013 for a flood. */
  #refuse(verdict: Exclude<Verdict, 'ok'>, items: ParsedCommand[]): void {
    if (verdict === 'flood') {
      this.close(DISCONNECT_CODES.FLOOD);
      return;
    }
    for (const item of items) {
      this.replyError(item.ok ? item.command.id : item.id, new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS));
    }
  }

  #route(command: Command): void {
    if (this.#state === 'connected') {
      if (command.method === 'connect') this.replyError(command.id, new ReplyError(ERROR_CODES.BAD_REQUEST, 'already connected'));
      else this.#run(command);
    } else if (this.#afterConnect) {
      // connect is running: later commands of the pipeline wait for it.
      this.#afterConnect.push(command);
    } else if (command.method === 'connect') {
      this.#afterConnect = [];
      this.#run(command);
    } else {
      this.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${command.method} before connect`);
    }
  }

  #run(command: Command): void {
    // The table maps each method to its handler; TS cannot correlate the union, hence the cast.
    const handler = COMMAND_HANDLERS[command.method] as CommandHandler<Method>;
    this.#pending++;
    const startedAt = performance.now();
    // One reaction per command (not a .finally/.then/.catch chain): commands are the hot path.
    handler(this, command.params, this.#node).then(
      (handled) => {
        this.#pending--;
        answer(this, command, handled, this.#node);
        this.#node.metrics.commandDone(command.method, (performance.now() - startedAt) / 1000);
      },
      (error: unknown) => {
        this.#pending--;
        fail(this, command, error, this.#node.logger);
        this.#node.metrics.commandDone(command.method, (performance.now() - startedAt) / 1000);
      },
    );
  }

  /** @internal Answers command `id` with `error` (counted in the metrics). */
  replyError(id: number, error: ReplyError): void {
    this.#node.metrics.error(error.code);
    if (this.#state === 'closed') return;
    this.enqueueReply(this.codec.encode({ id, error: error.toJSON() }));
  }

  #protocolViolation(error: unknown): void {
    this.#node.metrics.badFrame();
    if (!(error instanceof ProtocolError)) {
      this.#node.logger.error({ err: error, client: this.client }, 'unexpected error while decoding');
      this.close(DISCONNECT_CODES.SERVER_ERROR);
      return;
    }
    this.#node.logger.debug({ client: this.client, code: error.code, reason: error.message }, 'protocol violation');
    this.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${error.message}`);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#state === 'closed' || this.#outbox.length === 0) return;
    const frames = this.#outbox;
    const message = frames.length === 1 ? (frames[0] as Frame) : this.codec.join(frames);
    const bytes = frameBytes(message);
    if (this.#transport.bufferedBytes + bytes > this.#node.options.maxQueueBytes) {
      this.#overflow(frames);
      return;
    }
    // The array is reused: nothing can enqueue between here and the write below.
    frames.length = 0;
    this.#write(message, bytes);
  }

  /**
   * The queue is full. Publications of channels that catch up are shed and those channels fall
   * behind (slow-consumer.ts); when what is left still does not fit, or nothing could be shed,
   * the connection closes as slow (3008). The `behind` pushes go out even past the limit: one
   * small frame per channel, once per time it falls behind, so the queue stays bounded.
   */
  #overflow(frames: Frame[]): void {
    const shed = this.channels.size > 0 ? shedPublications(frames, this.codec, this.channels) : undefined;
    frames.length = 0;
    const kept = shed?.kept ?? [];
    const keptBytes = kept.reduce((sum, frame) => sum + frameBytes(frame) + 1, 0);
    if (!shed || (kept.length > 0 && this.#transport.bufferedBytes + keptBytes > this.#node.options.maxQueueBytes)) {
      this.close(DISCONNECT_CODES.SLOW);
      return;
    }
    for (const push of shed.behind) {
      this.channels.fallBehind(push.channel);
      const frame = this.codec.encode(push);
      this.#node.metrics.frameSent('push', push.channel, frameBytes(frame));
      kept.push(frame);
    }
    const message = kept.length === 1 ? (kept[0] as Frame) : this.codec.join(kept);
    this.#write(message, frameBytes(message));
  }

  #write(message: Frame, bytes: number): void {
    try {
      this.#transport.write(message);
      const meter = this.#meter;
      meter.sent++;
      meter.sentBytes += bytes;
    } catch (error) {
      this.#node.logger.warn({ err: error, client: this.client }, 'transport write failed');
      this.close(DISCONNECT_CODES.WRITE_ERROR);
    }
  }

  /** @internal Bytes waiting to be sent: in the transport, and queued here (with one separator each). */
  queuedBytes(): number {
    let bytes = this.#transport.bufferedBytes + this.#outbox.length;
    for (const frame of this.#outbox) bytes += frameBytes(frame);
    return bytes;
  }

  #teardown(code: number): void {
    // A connect refused (hooks, token): the handshake's end, counted with the upgrade refusals.
    if (this.#state === 'connecting' && (code === DISCONNECT_CODES.CONNECTION_REFUSED || code === DISCONNECT_CODES.INVALID_TOKEN))
      this.#node.metrics.refused('auth');
    if (this.tap !== undefined) this.tap.closed(this, code);
    this.#outbox = [];
    this.#afterConnect = undefined;
    this.#heartbeat.stop();
    this.auth.stop();
    this.#setState('closed');
    this.#meter.open--;
    this.#node.hub.remove(this);
    this.channels.releaseAll();
    this.#node.sessionClosed(this, code);
  }

  // A method, not a field read: TS would keep the narrowing across calls that change #state.
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #setState(state: SessionState): void {
    this.#state = state;
    if (!this.#stateListeners) return;
    for (const listener of this.#stateListeners) {
      try {
        listener(state);
      } catch (error) {
        this.#node.logger.error({ err: error, client: this.client }, 'state listener threw');
      }
    }
  }
}
