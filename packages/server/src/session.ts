/**
 * @module session
 * One client connection: the state machine, coalesced outbound writes (the outbox, slow
 * consumers), the heartbeat and teardown. Its inbound side (decoding, limits, the dispatch to
 * commands/) is session-inbound.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  DISCONNECT_CODES,
  DISCONNECT_REASONS,
  type Codec,
  type Frame,
  type ClientInfo,
  type Push,
  type ReplyError,
} from '@relais/protocol';
import { SessionAuth } from './auth/session-auth.js';
import type { AnsweredSession } from './commands/answer.js';
import type { NodeServices, SessionState } from './commands/context.js';
import type { ClientDetails } from './events.js';
import { sharedFlushQueue, type Flushable } from './flush-queue.js';
import { Heartbeat, type HeartbeatActions } from './heartbeat.js';
import { Outbox } from './outbox.js';
import type { ConnectionMeter } from './metrics/metrics.js';
import type { ConnectionLimiter } from './rate-limit/rate-limiter.js';
import { SessionChannels } from './session-channels.js';
import { SessionInbound } from './session-inbound.js';
import type { SessionTap } from './trace/tracer.js';
import { shedPublications } from './slow-consumer.js';
import { frameBytes, takesPushes, truncateReason, type PushTransport, type Transport, type TransportInfo } from './transport.js';

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
  /** Whether the transport takes pushes as values (an in-process front-end, see PushTransport). */
  readonly takesPushes: boolean;
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
  readonly #outbox = new Outbox();
  #flushScheduled = false;
  readonly #inbound: SessionInbound;
  /**
   * While the commands pipelined with `connect` run: the connect reply waits for theirs, so
   * that all go out as one message (one write instead of one per reply). Released when the
   * last of them answered, or at the next turn of the event loop, whichever comes first.
   */
  #connectHold = false;
  /** A flush came while #connectHold was set: the release asks the flush queue again. */
  #flushParked = false;

  constructor(transport: Transport, node: NodeServices) {
    this.#transport = transport;
    this.takesPushes = takesPushes(transport);
    this.#node = node;
    this.#meter = node.metrics.connection(transport.info.name, transport.codec.name);
    this.limiter = node.limiter.forConnection();
    this.channels = new SessionChannels(this, node);
    this.#heartbeat = new Heartbeat(node.options, this);
    this.#inbound = new SessionInbound(this, node);
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
    // In process, the front-end's own protocol keeps its peer alive: no relais ping, no timer.
    if (this.takesPushes) this.#heartbeat.stop();
    else this.#heartbeat.start();
    if (this.#node.tracer.active) this.#node.tracer.established(this);
    this.#inbound.established();
  }

  /** @internal The commands pipelined with connect answered, or a turn of the event loop passed. */
  releaseConnectHold(): void {
    if (!this.#connectHold) return;
    this.#connectHold = false;
    if (!this.#flushParked) return;
    this.#flushParked = false;
    sharedFlushQueue.add(this);
  }

  /** @internal Holds flushes while the commands pipelined with connect run (see #connectHold). */
  holdFlushes(): void {
    this.#connectHold = true;
  }

  /** @internal Whether flushes are held (see #connectHold). */
  get flushesHeld(): boolean {
    return this.#connectHold;
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
    this.#inbound.receive(message, bytes);
  }

  /** The transport closed (peer close, network error). Never throws. */
  handleClose(code: number): void {
    if (this.#state === 'closed') return;
    this.#outbox.clear();
    this.#teardown(code);
  }

  /** Encodes and queues one push. */
  enqueue(value: Push): void {
    if (this.#state === 'closed') return;
    if (this.takesPushes) {
      this.#node.metrics.frameSent(
        value.type === 'publication' ? 'publication' : 'push',
        'channel' in value ? value.channel : undefined,
        0,
      );
      this.deliverPush(value);
      return;
    }
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
    if (this.takesPushes) {
      // In process, nothing to coalesce: written at once, in order with the pushes.
      this.#write(frame, frameBytes(frame));
      return;
    }
    const outbox = this.#outbox;
    // The usual case (the first frame since the last flush) without a call.
    if (outbox.first === undefined) outbox.first = frame;
    else outbox.push(frame);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    sharedFlushQueue.add(this);
  }

  /**
   * @internal Hands a push to a PushTransport as a value (the fan-out's path; it counts it).
   * A publication when the peer's buffer is over maxQueueBytes closes the connection as slow
   * (3008): a front-end's client cannot catch up from history as an SDK client does.
   */
  deliverPush(value: Push): void {
    if (this.#state === 'closed') return;
    // A trace sees the push as a native connection's frame would show it.
    if (this.tap !== undefined) this.tap.outbound(this, this.codec.encode(value));
    const transport = this.#transport as PushTransport;
    if (value.type === 'publication' && transport.bufferedBytes > this.#node.options.maxQueueBytes) {
      this.close(DISCONNECT_CODES.SLOW);
      return;
    }
    try {
      transport.push(value);
      this.#meter.sent++;
    } catch (error) {
      this.#node.logger.warn({ err: error, client: this.client }, 'transport push failed');
      this.close(DISCONNECT_CODES.WRITE_ERROR);
    }
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
    if (!this.#flushScheduled) return;
    if (this.#connectHold) this.#flushParked = true;
    else this.#flush();
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

  /** @internal Answers command `id` with `error` (counted in the metrics). */
  replyError(id: number, error: ReplyError): void {
    this.#node.metrics.error(error.code);
    if (this.#state === 'closed') return;
    this.enqueueReply(this.codec.encode({ id, error: error.toJSON() }));
  }

  #flush(): void {
    this.#flushScheduled = false;
    const outbox = this.#outbox;
    const first = outbox.first;
    if (this.#state === 'closed' || first === undefined) return;
    const message = outbox.more === 0 ? first : (outbox.message(this.codec) as Frame);
    const bytes = frameBytes(message);
    if (this.#transport.bufferedBytes + bytes > this.#node.options.maxQueueBytes) {
      const frames = outbox.frames();
      // Emptied first: closing as slow flushes again, and must find nothing left.
      outbox.clear();
      this.#overflow(frames);
      return;
    }
    if (outbox.more === 0) outbox.first = undefined;
    else outbox.clear();
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
    return this.#transport.bufferedBytes + this.#outbox.bytes();
  }

  #teardown(code: number): void {
    // A connect refused (hooks, token): the handshake's end, counted with the upgrade refusals.
    if (this.#state === 'connecting' && (code === DISCONNECT_CODES.CONNECTION_REFUSED || code === DISCONNECT_CODES.INVALID_TOKEN))
      this.#node.metrics.refused('auth');
    if (this.tap !== undefined) this.tap.closed(this, code);
    this.#outbox.clear();
    this.#inbound.clear();
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
