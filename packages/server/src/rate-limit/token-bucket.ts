/**
 * @module rate-limit/token-bucket
 * A token bucket: holds up to `burst` tokens and gains `perSecond` of them per second. Time comes
 * from an injected clock, so tests drive it with fake timers.
 */

/** A rate: `perSecond` on average, with bursts of up to `burst` (default `perSecond`). */
export interface Rate {
  perSecond: number;
  burst?: number;
}

export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(rate: Rate, now: () => number) {
    this.perSecond = rate.perSecond;
    this.burst = rate.burst ?? rate.perSecond;
    this.#now = now;
    this.#tokens = this.burst;
    this.#updatedAt = now();
  }

  /** Takes `count` tokens if there are enough; false (and nothing taken) otherwise. */
  take(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Tokens available now. */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Whether the bucket refilled completely (nothing to remember about its owner). */
  get full(): boolean {
    return this.tokens >= this.burst;
  }

  #refill(): void {
    const now = this.#now();
    const elapsedMs = now - this.#updatedAt;
    this.#updatedAt = now;
    // A clock that went back (wall clock adjusted) refills nothing rather than going negative.
    if (elapsedMs > 0) this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.perSecond) / 1000);
  }
}
