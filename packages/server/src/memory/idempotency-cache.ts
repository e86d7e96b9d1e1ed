/**
 * @module memory/idempotency-cache
 * Remembers publish results by idempotency key for a TTL, with bounded size.
 */
import type { PublishResult } from '@relais/protocol';

/** Keys kept at most; the oldest go first when full. */
export const DEFAULT_MAX_IDEMPOTENCY_KEYS = 100_000;

interface Entry {
  result: PublishResult;
  expiresAt: number;
}

export class IdempotencyCache {
  // Map keeps insertion order: the first entries are the oldest.
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(now: () => number, maxKeys = DEFAULT_MAX_IDEMPOTENCY_KEYS) {
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The result stored under `key`, when it has not expired. */
  get(key: string): PublishResult | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.result;
  }

  set(key: string, result: PublishResult, ttlMs: number): void {
    this.#sweep();
    this.#entries.delete(key);
    this.#entries.set(key, { result, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Drops expired entries from the oldest end (amortised O(1) per insert). */
  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
