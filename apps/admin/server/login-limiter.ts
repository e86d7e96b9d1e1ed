/**
 * @module admin/server/login-limiter
 * Login attempts per client address: at most `perMinute` in each minute-long window; the
 * addresses kept are bounded (the oldest windows go first).
 */

/** Addresses whose window is kept at most. */
export const MAX_TRACKED_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

export class LoginLimiter {
  readonly #perMinute: number;
  readonly #now: () => number;
  /** Per address: when its window started, attempts in it. Insertion order = window age. */
  readonly #windows = new Map<string, { startedAt: number; attempts: number }>();

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#perMinute = perMinute;
    this.#now = now;
  }

  /** Counts one attempt of `address`: 0 when allowed, else the seconds until the next one is. */
  attempt(address: string): number {
    const now = this.#now();
    let window = this.#windows.get(address);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.#windows.delete(address);
      if (this.#windows.size >= MAX_TRACKED_ADDRESSES) this.#windows.delete(this.#windows.keys().next().value as string);
      window = { startedAt: now, attempts: 0 };
      this.#windows.set(address, window);
    }
    if (window.attempts >= this.#perMinute) return Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    window.attempts++;
    return 0;
  }
}
