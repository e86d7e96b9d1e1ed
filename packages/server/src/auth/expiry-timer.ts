/**
 * @module auth/expiry-timer
 * A timer that fires at a wall-clock deadline (a token's `exp`), however far away: waits
 * longer than a Node.js timer accepts are chained. Uses the global setTimeout (fake-timer
 * friendly); the timer is unref()'d.
 */
import { MAX_TIMER_MS } from '../option-checks.js';

export class ExpiryTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Calls `expired` at `expiresAt` (ms since the epoch, as `now`); replaces any earlier one. */
  start(expiresAt: number, now: () => number, expired: () => void): void {
    this.stop();
    const delay = Math.max(0, expiresAt - now());
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (delay > MAX_TIMER_MS) this.start(expiresAt, now, expired);
        else expired();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    this.#timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
