/**
 * @module reconnect-schedule
 * When the client tries to connect again: the attempt count, the backoff delay of each attempt,
 * the retry timer, and the reset of the count once a connection has stayed up long enough.
 */
import { exponentialBackoff, type Backoff } from './backoff.js';
import type { ResolvedOptions } from './options.js';
import { Timeout, type Timers } from './timer.js';

/** The options the schedule reads; `backoff`, when given, replaces the built-in delays. */
export type ReconnectOptions = Pick<
  ResolvedOptions,
  'backoff' | 'minReconnectDelayMs' | 'maxReconnectDelayMs' | 'reconnectFactor' | 'random' | 'maxReconnectAttempts' | 'stableConnectionMs'
>;

/** One planned attempt: its number (0 for the first retry), its delay in ms, and when it is due. */
export interface RetryPlan {
  attempt: number;
  delayMs: number;
  /** Clock time (ms, `timers.now()`) of the attempt. */
  nextRetryAt: number;
}

export class ReconnectSchedule {
  /** Delay in ms before retry `attempt`; subscriptions resubscribe on the same schedule. */
  readonly backoff: Backoff;
  readonly #timers: Timers;
  readonly #maxAttempts: number;
  readonly #stableConnectionMs: number;
  readonly #retryTimer: Timeout;
  readonly #stableTimer: Timeout;
  #attempt = 0;

  constructor(timers: Timers, options: ReconnectOptions) {
    this.#timers = timers;
    this.backoff =
      options.backoff ??
      exponentialBackoff({
        minDelayMs: options.minReconnectDelayMs,
        maxDelayMs: options.maxReconnectDelayMs,
        factor: options.reconnectFactor,
        random: options.random,
      });
    this.#maxAttempts = options.maxReconnectAttempts;
    this.#stableConnectionMs = options.stableConnectionMs;
    this.#retryTimer = new Timeout(timers);
    this.#stableTimer = new Timeout(timers);
  }

  /** Attempts planned since the count last started again. */
  get attempts(): number {
    return this.#attempt;
  }

  /** True while a retry waits out its delay. */
  get waiting(): boolean {
    return this.#retryTimer.pending;
  }

  /** Counts the next attempt and picks its delay; undefined once maxReconnectAttempts are used. */
  plan(): RetryPlan | undefined {
    if (this.#attempt >= this.#maxAttempts) return undefined;
    const attempt = this.#attempt++;
    const delayMs = Math.max(0, this.backoff(attempt));
    return { attempt, delayMs, nextRetryAt: this.#timers.now() + delayMs };
  }

  /** Runs `retry` once `delayMs` have passed; replaces a retry already waiting. */
  wait(delayMs: number, retry: () => void): void {
    this.#retryTimer.start(delayMs, retry);
  }

  /** Drops a waiting retry. */
  cancel(): void {
    this.#retryTimer.stop();
  }

  /** The client closed: no retry, no reset. */
  stop(): void {
    this.#retryTimer.stop();
    this.#stableTimer.stop();
  }

  /** Starts the count again at 0. */
  reset(): void {
    this.#attempt = 0;
  }

  /** A connection is up: the count starts again once it has lasted stableConnectionMs. */
  connected(): void {
    this.#stableTimer.start(this.#stableConnectionMs, () => this.reset());
  }

  /** The connection is gone (or closed) before it proved stable: the count carries on. */
  disconnected(): void {
    this.#stableTimer.stop();
  }
}
