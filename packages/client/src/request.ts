/**
 * @module request
 * One pending command: its promise, its timeout, and whether it may be resent after the
 * connection drops (the unit of ack + timeout, like phoenix's Push).
 */
import type { CommandParamsMap, Method, ResultMap } from '@relais/protocol';
import { TimeoutError } from './errors.js';
import { Timeout, type Timers } from './timer.js';

export class Request<M extends Method = Method> {
  readonly method: M;
  readonly params: CommandParamsMap[M];
  /** Resent after a reconnect when the socket dropped before the reply (idempotent commands). */
  readonly retryOnReconnect: boolean;
  /** The command id of the latest transmission; a resend gets a new id. */
  id: number | undefined;
  /** Resends after a temporary engine error (115) so far. */
  engineRetries = 0;
  /** Clock time (ms, `timers.now()`) of the deadline, once started. */
  deadlineAt: number | undefined;
  /** Settles with the server's result for `method`, or rejects. */
  readonly promise: Promise<ResultMap[M]>;
  #resolve!: (result: unknown) => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  readonly #timeout: Timeout;
  readonly #timers: Timers;

  constructor(method: M, params: CommandParamsMap[M], options: { retryOnReconnect: boolean; timers: Timers }) {
    this.method = method;
    this.params = params;
    this.retryOnReconnect = options.retryOnReconnect;
    this.#timers = options.timers;
    this.#timeout = new Timeout(options.timers);
    this.promise = new Promise((resolve, reject) => {
      // The client does not check result shapes: the reply to a command of `method` is taken to
      // be that method's result, as the protocol defines it.
      this.#resolve = (result) => resolve(result as ResultMap[M]);
      this.#reject = reject;
    });
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Starts the deadline; `onTimeout` runs before the promise rejects (to unlink the request). */
  startTimeout(timeoutMs: number, onTimeout: () => void): void {
    this.deadlineAt = this.#timers.now() + timeoutMs;
    this.#timeout.start(timeoutMs, () => {
      onTimeout();
      this.reject(new TimeoutError(this.method, timeoutMs));
    });
  }

  /** Settles with the `result` of the server's reply. */
  resolve(result: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#timeout.stop();
    this.#resolve(result);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#timeout.stop();
    this.#reject(error);
  }
}
