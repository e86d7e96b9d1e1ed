/**
 * @module heartbeat
 * Timers of one connection: the connect deadline, the ping push, and the liveness check.
 * Uses the global setTimeout/setInterval (fake-timer friendly); every timer is unref()'d.
 */
import { DISCONNECT_CODES } from '@relais/protocol';
import type { ResolvedOptions } from './options.js';

export interface HeartbeatActions {
  /** Time to send a ping push. */
  ping(): void;
  /** The connection must be closed with `code` (3014 connect timeout, 3012 no pong). */
  timeout(code: number): void;
}

type Timer = ReturnType<typeof setTimeout>;
type HeartbeatOptions = Pick<ResolvedOptions, 'pingIntervalMs' | 'pongTimeoutMs' | 'connectTimeoutMs'>;

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #actions: HeartbeatActions;
  readonly #now: () => number;
  #lastSeenMs: number;
  #connectTimer: Timer | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #livenessTimer: Timer | undefined;

  constructor(options: HeartbeatOptions, actions: HeartbeatActions, now: () => number = Date.now) {
    this.#options = options;
    this.#actions = actions;
    this.#now = now;
    this.#lastSeenMs = now();
  }

  /** Arms the connect deadline. */
  startConnectTimer(): void {
    this.#connectTimer = setTimeout(() => this.#actions.timeout(DISCONNECT_CODES.CONNECT_TIMEOUT), this.#options.connectTimeoutMs);
    this.#connectTimer.unref?.();
  }

  /** The connection is established: stop the connect deadline, start pings and liveness. */
  start(): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#pingTimer = setInterval(() => this.#actions.ping(), this.#options.pingIntervalMs);
    this.#pingTimer.unref?.();
    this.#armLiveness(this.#window() - (this.#now() - this.#lastSeenMs));
  }

  /** Any inbound frame proves the peer is alive. */
  seen(): void {
    this.#lastSeenMs = this.#now();
  }

  stop(): void {
    clearTimeout(this.#connectTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#livenessTimer);
    this.#connectTimer = this.#pingTimer = this.#livenessTimer = undefined;
  }

  #window(): number {
    return this.#options.pingIntervalMs + this.#options.pongTimeoutMs;
  }

  // One timer per connection, not re-armed on every frame: when it fires early (frames arrived
  // meanwhile) it is re-armed for the rest of the window since the last frame.
  #armLiveness(delayMs: number): void {
    this.#livenessTimer = setTimeout(() => {
      const silenceMs = this.#now() - this.#lastSeenMs;
      if (silenceMs >= this.#window()) this.#actions.timeout(DISCONNECT_CODES.NO_PONG);
      else this.#armLiveness(this.#window() - silenceMs);
    }, Math.max(0, delayMs));
    this.#livenessTimer.unref?.();
  }
}
