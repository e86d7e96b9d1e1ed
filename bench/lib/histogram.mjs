/**
 * @module bench/lib/histogram
 * A fixed-bucket latency histogram in microseconds: 50 µs buckets below 100 ms, 1 ms buckets
 * up to 120 s. Cheap to record (one array increment), mergeable across processes.
 */
const FINE_US = 50;
const FINE_LIMIT_US = 100_000;
const COARSE_US = 1_000;
const LIMIT_US = 120_000_000;
const FINE_BUCKETS = FINE_LIMIT_US / FINE_US;
const BUCKETS = FINE_BUCKETS + (LIMIT_US - FINE_LIMIT_US) / COARSE_US;

export class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS);
    this.count = 0;
    this.maxUs = 0;
  }

  record(us) {
    if (us < 0) us = 0;
    if (us > this.maxUs) this.maxUs = us;
    const index =
      us < FINE_LIMIT_US ? Math.floor(us / FINE_US) : Math.min(BUCKETS - 1, FINE_BUCKETS + Math.floor((us - FINE_LIMIT_US) / COARSE_US));
    this.counts[index]++;
    this.count++;
  }

  reset() {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }

  /** Upper bound of the bucket holding quantile `q` (0..1), in ms; undefined when empty. */
  quantileMs(q) {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const upperUs = i < FINE_BUCKETS ? (i + 1) * FINE_US : FINE_LIMIT_US + (i - FINE_BUCKETS + 1) * COARSE_US;
        return Math.min(upperUs, this.maxUs) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  summary() {
    return {
      count: this.count,
      p50: this.quantileMs(0.5),
      p95: this.quantileMs(0.95),
      p99: this.quantileMs(0.99),
      max: this.count ? this.maxUs / 1000 : undefined,
    };
  }
}

/** Milliseconds on CLOCK_MONOTONIC: comparable between processes of one machine. */
export function monoMs() {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}
