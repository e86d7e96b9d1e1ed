/**
 * @module chat/server/rate-limiter
 * A token bucket per key (a user, or a connection for anonymous users): `burst` actions at once,
 * then `perSecond` in the long run. Bounded: idle keys whose bucket is full again are dropped.
 */

/** Keys tracked before idle ones are swept. */
const SWEEP_AT_KEYS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(burst: number, perSecond: number, now: () => number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#now = now;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `key`: 0 when allowed, otherwise the ms to wait for the next token. */
  take(key: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (!this.#buckets.has(key)) {
      if (this.#buckets.size >= SWEEP_AT_KEYS) this.#sweep(now);
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.#perMs);
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
  }
}
