/**
 * @module trace/tracer
 * This node's side of frame tracing: the traces viewers started (on any node of the cluster),
 * the taps they put on this node's connections, and the frames sent back to each viewer's node
 * in small batches. A connection carries a tap only while a trace wants it: without traces the
 * hot path pays one `undefined` check per frame (Session), nothing more.
 *
 * A trace lives for a lease: its viewer renews it (`trace.start` again, which also reaches
 * nodes that joined since) and a trace not renewed in time ends here by itself, so a viewer
 * that went away (its node died, its page closed) leaves nothing running.
 */
import type { Codec, Frame } from '@relais/protocol';
import type { Logger } from '../logger.js';
import { channelOf, decodeForTrace, idOf, shownValue, type TraceFrame, type TraceTarget } from './trace-frame.js';

/**
 * The control messages of tracing between nodes: `start` and `stop` go to every node (their
 * handlers call Tracer.start/stop), `frames` to the viewer's node (TraceViewers).
 */
export const TRACE_MESSAGES = { start: 'trace.start', stop: 'trace.stop', frames: 'trace.frames' } as const;

/** `trace.start`: begins (or renews) trace `id` for `viewer`'s node. */
export interface TraceStart {
  id: string;
  viewer: string;
  target: TraceTarget;
  leaseMs: number;
}

/** `trace.frames`: a batch of trace `id` from one node; `dropped` frames did not fit in it. */
export interface TraceBatch {
  id: string;
  node: string;
  frames: TraceFrame[];
  dropped: number;
}

/** What the tracer needs of a connection. */
export interface TracedSession {
  readonly client: string;
  readonly user: string;
  readonly codec: Codec;
  readonly channels: { has(channel: string): boolean };
  /** Set by the tracer while a trace wants this connection; undefined otherwise. */
  tap: SessionTap | undefined;
}

/** Where a tapped connection reports its frames. */
export interface SessionTap {
  /** A transport message from the client (one or more commands). */
  inbound(session: TracedSession, message: Frame): void;
  /** One encoded frame queued for the client (a reply or a push). */
  outbound(session: TracedSession, frame: Frame): void;
  /** The connection closed with `code`. */
  closed(session: TracedSession, code: number): void;
}

export interface TracerOptions {
  nodeId: string;
  /** Sends a control message to node `to` (Cluster.send). */
  send(to: string, type: string, body: unknown): Promise<void>;
  /** This node's connections. */
  sessions: () => Iterable<TracedSession>;
  /** How often batches go to the viewers, in ms. */
  flushMs: number;
  /** Frames of one trace kept between two flushes; the rest is counted as dropped. */
  maxBatchFrames: number;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

/** Ids of channel commands waiting for their reply, per connection, at most (a channel trace). */
const MAX_PENDING_IDS = 1_000;

interface ActiveTrace {
  readonly id: string;
  viewer: string;
  readonly target: TraceTarget;
  expiresAt: number;
  frames: TraceFrame[];
  dropped: number;
  /** Channel traces: ids of the commands about the channel, by connection, to show their replies. */
  readonly pending: WeakMap<TracedSession, Set<number>>;
}

export class Tracer implements SessionTap {
  readonly #options: TracerOptions;
  readonly #now: () => number;
  readonly #traces = new Map<string, ActiveTrace>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The last outbound frame decoded and its values: a fan-out queues one frame to many. */
  #lastFrame: Frame | undefined;
  #lastCodec: Codec | undefined;
  #lastValues: unknown[] = [];

  constructor(options: TracerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Whether any trace runs on this node (a connection established now may need a tap). */
  get active(): boolean {
    return this.#traces.size > 0;
  }

  /** Traces running on this node. */
  get size(): number {
    return this.#traces.size;
  }

  /** Starts trace `id`, or renews its lease when it runs already. */
  start({ id, viewer, target, leaseMs }: TraceStart): void {
    const running = this.#traces.get(id);
    if (running) {
      running.expiresAt = this.#now() + leaseMs;
      running.viewer = viewer;
      return;
    }
    this.#traces.set(id, { id, viewer, target, expiresAt: this.#now() + leaseMs, frames: [], dropped: 0, pending: new WeakMap() });
    this.#timer ??= setInterval(() => this.flush(), this.#options.flushMs);
    this.#timer.unref?.();
    this.#retap();
  }

  /** Ends trace `id` (its last frames are sent first). Unknown ids are ignored. */
  stop(id: string): void {
    const trace = this.#traces.get(id);
    if (!trace) return;
    this.#send(trace);
    this.#traces.delete(id);
    this.#retap();
  }

  /** A connection was established (its user is known now): tapped when a trace wants it. */
  established(session: TracedSession & { readonly transport?: { name: string } }): void {
    if (!this.#wants(session)) return;
    session.tap = this;
    this.#record(session, 'out', 'connect', [{ transport: session.transport?.name }], false);
  }

  inbound(session: TracedSession, message: Frame): void {
    this.#record(session, 'in', 'command', decodeForTrace(session.codec, message), true);
  }

  outbound(session: TracedSession, frame: Frame): void {
    if (frame !== this.#lastFrame || session.codec !== this.#lastCodec) {
      this.#lastFrame = frame;
      this.#lastCodec = session.codec;
      this.#lastValues = decodeForTrace(session.codec, frame);
    }
    this.#record(session, 'out', undefined, this.#lastValues, true);
  }

  closed(session: TracedSession, code: number): void {
    this.#record(session, 'out', 'close', [{ code }], false);
    session.tap = undefined;
  }

  /** Sends every trace's batch to its viewer and ends the traces whose lease ran out. */
  flush(): void {
    const now = this.#now();
    for (const trace of [...this.#traces.values()]) {
      if (trace.expiresAt <= now) this.stop(trace.id);
      else this.#send(trace);
    }
  }

  /** Ends every trace here and stops the timer. */
  close(): void {
    for (const id of [...this.#traces.keys()]) this.stop(id);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #send(trace: ActiveTrace): void {
    if (trace.frames.length === 0 && trace.dropped === 0) return;
    const batch: TraceBatch = { id: trace.id, node: this.#options.nodeId, frames: trace.frames, dropped: trace.dropped };
    trace.frames = [];
    trace.dropped = 0;
    this.#options.send(trace.viewer, TRACE_MESSAGES.frames, batch).catch((error: unknown) => {
      this.#options.logger.debug({ err: error, trace: trace.id }, 'trace batch not sent');
    });
  }

  #wants(session: TracedSession): boolean {
    for (const { target } of this.#traces.values())
      if ('channel' in target || (session.user !== '' && target.user === session.user)) return true;
    return false;
  }

  /** Puts taps on the connections the traces want, and takes them off the others. */
  #retap(): void {
    if (this.#traces.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#lastFrame = undefined;
      this.#lastValues = [];
    }
    for (const session of this.#options.sessions()) session.tap = this.#wants(session) ? this : undefined;
  }

  /**
   * Adds the values of one event to each trace that wants them. `kind` undefined: a reply when
   * the value has an id, else a push. `filter`: a channel trace keeps only what names its channel
   * (and the replies to those commands); connects and closes it keeps for its channel's holders.
   */
  #record(session: TracedSession, direction: 'in' | 'out', kind: TraceFrame['kind'] | undefined, values: unknown[], filter: boolean): void {
    const at = this.#now();
    for (const trace of this.#traces.values()) {
      const { target } = trace;
      if ('user' in target) {
        if (session.user !== target.user) continue;
        for (const value of values) this.#push(trace, session, at, direction, kind ?? kindOf(value), value);
        continue;
      }
      for (const value of values) {
        if (filter ? !this.#aboutChannel(trace, session, direction, value) : !session.channels.has(target.channel)) continue;
        this.#push(trace, session, at, direction, kind ?? kindOf(value), value);
      }
    }
  }

  #aboutChannel(trace: ActiveTrace, session: TracedSession, direction: 'in' | 'out', value: unknown): boolean {
    const channel = (trace.target as { channel: string }).channel;
    const id = idOf(value);
    if (direction === 'in') {
      if (channelOf(value) !== channel) return false;
      if (id !== undefined) {
        let ids = trace.pending.get(session);
        if (!ids) trace.pending.set(session, (ids = new Set()));
        if (ids.size < MAX_PENDING_IDS) ids.add(id);
      }
      return true;
    }
    if (id !== undefined) return trace.pending.get(session)?.delete(id) ?? false;
    return channelOf(value) === channel;
  }

  #push(trace: ActiveTrace, session: TracedSession, at: number, direction: 'in' | 'out', kind: TraceFrame['kind'], value: unknown): void {
    if (trace.frames.length >= this.#options.maxBatchFrames) {
      trace.dropped++;
      return;
    }
    trace.frames.push({
      at,
      node: this.#options.nodeId,
      client: session.client,
      user: session.user,
      direction,
      kind,
      frame: shownValue(value),
    });
  }
}

function kindOf(value: unknown): TraceFrame['kind'] {
  return idOf(value) === undefined ? 'push' : 'reply';
}
