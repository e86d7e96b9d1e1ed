/**
 * @module timer
 * The injectable clock and timers. Defaults look up `globalThis` at call time, so fake timers
 * installed after this module loaded (vitest `vi.useFakeTimers()`) still apply.
 */

/** Opaque handle returned by `Timers.setTimeout`. */
export type TimerHandle = unknown;

/** Timers and clock used by the client; inject your own to control time. */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Wall-clock time in ms since the epoch (used for `nextRetryAt` and stats). */
  now(): number;
}

export const defaultTimers: Timers = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/**
 * One restartable timeout. `start` replaces a pending callback; `stop` is idempotent.
 * @example const t = new Timeout(timers); t.start(1000, () => reconnect());
 */
export class Timeout {
  readonly #timers: Timers;
  #handle: TimerHandle | undefined;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  start(delayMs: number, callback: () => void): void {
    this.stop();
    this.#handle = this.#timers.setTimeout(() => {
      this.#handle = undefined;
      callback();
    }, delayMs);
  }

  stop(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
