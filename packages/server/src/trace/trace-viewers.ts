/**
 * @module trace/trace-viewers
 * The viewer's side of frame tracing: `relais.trace(target, listener)` starts a trace on every
 * node of the cluster, renews its lease while it is open, hands each node's batches to the
 * listener, and stops it everywhere on `stop()`.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../logger.js';
import { checkTraceTarget, type TraceTarget } from './trace-frame.js';
import { TRACE_MESSAGES, type TraceBatch, type TraceStart } from './tracer.js';

/** How long a trace runs on a node without its viewer renewing it, in ms (renewed every third of it). */
export const DEFAULT_TRACE_LEASE_MS = 15_000;
/** How often each node sends a trace's frames to its viewer, in ms. */
export const TRACE_FLUSH_MS = 250;
/** Frames of one trace a node sends per batch at most (a batch every TRACE_FLUSH_MS); the rest is counted as dropped. */
export const MAX_TRACE_BATCH_FRAMES = 200;

/** Receives the batches of one trace, from every node. */
export type TraceListener = (batch: TraceBatch) => void;

/** An open trace; `stop()` ends it on every node (idempotent). */
export interface TraceHandle {
  readonly id: string;
  readonly target: TraceTarget;
  stop(): void;
}

export interface TraceViewersOptions {
  nodeId: string;
  cluster: Pick<Cluster, 'send' | 'handle'>;
  logger: Logger;
  /** @default DEFAULT_TRACE_LEASE_MS */
  leaseMs?: number;
}

interface Viewer {
  readonly listener: TraceListener;
  readonly renew: ReturnType<typeof setInterval>;
}

export class TraceViewers {
  readonly #options: TraceViewersOptions;
  readonly #leaseMs: number;
  readonly #viewers = new Map<string, Viewer>();

  constructor(options: TraceViewersOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? DEFAULT_TRACE_LEASE_MS;
    options.cluster.handle(TRACE_MESSAGES.frames, (body, from) => {
      const batch = body as TraceBatch;
      const viewer = this.#viewers.get(batch.id);
      // A batch of a trace this node no longer views (a stop that was lost): end it there.
      if (!viewer) return void this.#post(from, TRACE_MESSAGES.stop, { id: batch.id });
      try {
        viewer.listener(batch);
      } catch (error) {
        options.logger.error({ err: error, trace: batch.id }, 'trace listener threw');
      }
    });
  }

  /** Open traces. */
  get size(): number {
    return this.#viewers.size;
  }

  /** Starts tracing `target` on every node. Throws a TypeError on a bad target. */
  open(target: TraceTarget, listener: TraceListener): TraceHandle {
    const checked = checkTraceTarget(target);
    const id = randomUUID();
    const start: TraceStart = { id, viewer: this.#options.nodeId, target: checked, leaseMs: this.#leaseMs };
    // Renewed well before the lease ends; also reaches the nodes that joined since.
    const renew = setInterval(() => this.#post(undefined, TRACE_MESSAGES.start, start), Math.max(1, Math.floor(this.#leaseMs / 3)));
    renew.unref?.();
    this.#viewers.set(id, { listener, renew });
    this.#post(undefined, TRACE_MESSAGES.start, start);
    return { id, target: checked, stop: () => this.#stop(id) };
  }

  /** Stops every open trace. */
  close(): void {
    for (const id of [...this.#viewers.keys()]) this.#stop(id);
  }

  #stop(id: string): void {
    const viewer = this.#viewers.get(id);
    if (!viewer) return;
    clearInterval(viewer.renew);
    this.#viewers.delete(id);
    this.#post(undefined, TRACE_MESSAGES.stop, { id });
  }

  #post(to: string | undefined, type: string, body: unknown): void {
    this.#options.cluster.send(to, type, body).catch((error: unknown) => {
      this.#options.logger.debug({ err: error, type }, 'trace control message not sent');
    });
  }
}
