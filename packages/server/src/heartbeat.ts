/**
 * @module heartbeat
 * Timers of one connection: the connect deadline, the ping push, and the liveness check.
 * One timer per connection, re-armed for whichever comes next, and no closure per connection:
 * an idle connection's timers are a large share of what it costs in memory. Uses the global
 * setTimeout (fake-timer friendly); the timer is unref()'d.
 */
import { DISCONNECT_CODES } from '@relais/protocol';
import type { ResolvedOptions } from './options.js';

/** What the heartbeat asks of its connection (the session implements it). */
export interface HeartbeatActions {
  /** Time to send a ping push. */
  heartbeatPing(): void;
  /** The connection must be closed with `code` (3014 connect timeout, 3012 no pong). */
  heartbeatExpired(code: number): void;
}

type HeartbeatOptions = Pick<ResolvedOptions, 'pingIntervalMs' | 'pongTimeoutMs' | 'connectTimeoutMs'>;

/** `idle`: no timer; `connecting`: the connect deadline runs; `live`: pings and liveness run. */
type Phase = 'idle' | 'connecting' | 'live';

// Module-level, so that arming a timer allocates no closure per connection.
function fire(heartbeat: Heartbeat): void {
  heartbeat.fire();
}

export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #actions: HeartbeatActions;
  readonly #now: () => number;
  #lastSeenMs: number;
  #nextPingMs = 0;
  #phase: Phase = 'idle';
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: HeartbeatOptions, actions: HeartbeatActions, now: () => number = Date.now) {
    this.#options = options;
    this.#actions = actions;
    this.#now = now;
    this.#lastSeenMs = now();
  }

  /** Arms the connect deadline. */
  startConnectTimer(): void {
    this.#phase = 'connecting';
    this.#arm(this.#options.connectTimeoutMs);
  }

  /**
   * The connection is established: stop the connect deadline, push a ping every
   * pingIntervalMs, and expire after pingIntervalMs + pongTimeoutMs without an inbound frame.
   */
  start(): void {
    this.#phase = 'live';
    this.#nextPingMs = this.#now() + this.#options.pingIntervalMs;
    this.#armNext();
  }

  /** Any inbound frame proves the peer is alive. */
  seen(): void {
    this.#lastSeenMs = this.#now();
  }

  stop(): void {
    this.#phase = 'idle';
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** @internal The timer fired: expire, ping, or both not yet (re-armed for what comes next). */
  fire(): void {
    this.#timer = undefined;
    if (this.#phase === 'connecting') {
      this.#phase = 'idle';
      this.#actions.heartbeatExpired(DISCONNECT_CODES.CONNECT_TIMEOUT);
      return;
    }
    if (this.#phase !== 'live') return;
    const now = this.#now();
    if (now - this.#lastSeenMs >= this.#window()) {
      this.#phase = 'idle';
      this.#actions.heartbeatExpired(DISCONNECT_CODES.NO_PONG);
      return;
    }
    if (now >= this.#nextPingMs) {
      // A late timer (a stalled event loop) sends one ping, not the ones it missed.
      const next = this.#nextPingMs + this.#options.pingIntervalMs;
      this.#nextPingMs = next > now ? next : now + this.#options.pingIntervalMs;
      this.#actions.heartbeatPing();
      // The ping may have closed the connection (a failed write stops the heartbeat).
      if (this.#phase !== 'live') return;
    }
    this.#armNext();
  }

  #window(): number {
    return this.#options.pingIntervalMs + this.#options.pongTimeoutMs;
  }

  #armNext(): void {
    const now = this.#now();
    const due = Math.min(this.#nextPingMs, this.#lastSeenMs + this.#window());
    this.#arm(due - now);
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(fire, Math.max(0, delayMs), this);
    this.#timer.unref?.();
  }
}
