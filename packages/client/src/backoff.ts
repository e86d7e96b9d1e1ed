/**
 * @module backoff
 * Reconnect delays: exponential growth, capped, with full jitter above a floor.
 */

/** Returns the delay in ms before retry number `attempt` (0 for the first retry). */
export type Backoff = (attempt: number) => number;

export interface ExponentialBackoffOptions {
  /** Floor of every delay, and the base of the exponential, in ms. */
  minDelayMs: number;
  /** Cap of every delay, in ms. */
  maxDelayMs: number;
  /** Growth of the window per attempt. */
  factor: number;
  /** Uniform random source in [0, 1). */
  random?: () => number;
}

/**
 * Full jitter with a floor: retry `attempt` waits a uniformly random time in
 * `[minDelayMs, min(maxDelayMs, minDelayMs * factor ** (attempt + 1))]`.
 * With the defaults (500, 20000, 2): [500, 1000], [500, 2000], [500, 4000], … [500, 20000].
 * The floor keeps a crowd of clients from reconnecting in the same millisecond after an outage;
 * the jitter over the whole window spreads them (AWS "full jitter").
 * @example const backoff = exponentialBackoff({ minDelayMs: 500, maxDelayMs: 20_000, factor: 2 });
 */
export function exponentialBackoff(options: ExponentialBackoffOptions): Backoff {
  const { minDelayMs, maxDelayMs, factor } = options;
  const random = options.random ?? Math.random;
  return (attempt) => {
    const ceiling = Math.min(maxDelayMs, minDelayMs * factor ** (attempt + 1));
    return Math.round(minDelayMs + random() * Math.max(0, ceiling - minDelayMs));
  };
}
