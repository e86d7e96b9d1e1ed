/**
 * @module dispatcher
 * Where a call goes: written at once on a live, unheld connection, else into the bounded offline
 * queue; each call with its deadline (offline wait included). Flushes the queue in call order.
 */
import type { CommandParamsMap, Method, ResultMap } from '@relais/protocol';
import { exponentialBackoff } from './backoff.js';
import type { Connection } from './connection.js';
import { OfflineQueue } from './queue.js';
import { Request } from './request.js';
import type { Timers } from './timer.js';

/** How one call travels. */
export interface DispatchOptions {
  /** Deadline in ms from the call, offline wait included. */
  timeoutMs: number;
  /** Resend after a dropped connection (idempotent commands only). @default false */
  retry?: boolean;
  /** Skip the hold: resubscribes are what the hold waits for. @default false */
  direct?: boolean;
}

/** Delays between resends of a call the engine could not take (115): 100 ms doubling to 2 s, jittered. */
const ENGINE_RETRY_BACKOFF = exponentialBackoff({ minDelayMs: 100, maxDelayMs: 2_000, factor: 2 });

export class Dispatcher {
  readonly #queue: OfflineQueue;
  readonly #timers: Timers;
  #connection: Connection | undefined;
  #held = false;

  constructor(maxQueueSize: number, timers: Timers) {
    this.#queue = new OfflineQueue(maxQueueSize);
    this.#timers = timers;
  }

  get queued(): number {
    return this.#queue.size;
  }

  get inflight(): number {
    return this.#connection?.inflightCount ?? 0;
  }

  /** A connection is up. With `hold`, calls keep queueing until `flush()`. */
  attach(connection: Connection, hold: boolean): void {
    this.#connection = connection;
    this.#held = hold;
  }

  /**
   * Attaches `connection`, runs `first` (the resubscribes, sent at once), and holds the queue
   * until every call it made has settled, then flushes it, unless another connection took its place meanwhile: the server may
   * run a connection's commands concurrently, and a queued publish must reach our own
   * resubscribed channel. Calls made meanwhile queue behind, so call order holds.
   */
  attachAfter(connection: Connection, first: () => Array<Promise<unknown>>): void {
    this.attach(connection, true);
    const calls = first();
    if (calls.length === 0) this.flush();
    else {
      void Promise.allSettled(calls).then(() => {
        if (this.#connection === connection) this.flush();
      });
    }
  }

  /** The connection is gone; `retry` (its unacknowledged idempotent calls) goes back ahead of the queue. */
  detach(retry: Request[]): void {
    this.#connection = undefined;
    this.#held = false;
    this.#queue.requeue(retry);
  }

  /** Sends every queued call in call order and stops holding. */
  flush(): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#held = false;
    for (const request of this.#queue.drain()) if (!request.settled) connection.send(request);
  }

  dispatch<M extends Method>(method: M, params: CommandParamsMap[M], options: DispatchOptions): Promise<ResultMap[M]> {
    const request = new Request(method, params, { retryOnReconnect: options.retry ?? false, timers: this.#timers });
    request.startTimeout(options.timeoutMs, () => {
      this.#queue.remove(request);
      this.#connection?.forget(request);
    });
    this.#route(request, options.direct ?? false);
    return request.promise;
  }

  /** Writes `request` on a live, unheld connection (held too with `direct`), else queues it. */
  #route(request: Request, direct: boolean): void {
    if (this.#connection && (direct || !this.#held)) {
      this.#connection.send(request);
      return;
    }
    try {
      this.#queue.push(request);
    } catch (error) {
      request.reject(error);
    }
  }

  /**
   * Resends `request` after a growing delay (same params, so a publish keeps its idempotency
   * key and is stored once), on whatever connection is up then, or queues it. Returns false,
   * and leaves the request alone, when that delay would pass its deadline.
   */
  retryLater(request: Request): boolean {
    const delayMs = ENGINE_RETRY_BACKOFF(request.engineRetries);
    if (request.deadlineAt !== undefined && this.#timers.now() + delayMs >= request.deadlineAt) return false;
    request.engineRetries++;
    this.#timers.setTimeout(() => {
      if (!request.settled) this.#route(request, false);
    }, delayMs);
    return true;
  }

  /** Rejects every queued call with `error`. */
  rejectQueued(error: unknown): void {
    for (const request of this.#queue.drain()) request.reject(error);
  }
}
