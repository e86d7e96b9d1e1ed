/**
 * @module cli/bench-ledger
 * What `relais bench` sent and what arrived. A DeliveryBook sits with the subscribers (in this
 * thread or a worker): each subscriber's deliveries, duplicates found exactly (one bit per
 * delivery), how many subscribers got each publication, the raw latency samples. The
 * BenchLedger sits with the publishers: each publication's fate (pending, accepted, failed),
 * the books' counts merged in, and every raw sample. Pure: the caller stamps times.
 */

const PENDING = 0;
const ACCEPTED = 1;
const FAILED = 2;

/** A growable typed array, doubling as it fills. */
class Grow<T extends Uint8Array | Uint32Array | Float64Array> {
  #array: T;
  length = 0;
  constructor(readonly make: (size: number) => T) {
    this.#array = make(64);
  }
  get array(): T {
    return this.#array;
  }
  ensure(size: number): void {
    if (size <= this.#array.length) return;
    let next = this.#array.length * 2;
    while (next < size) next *= 2;
    const bigger = this.make(next);
    bigger.set(this.#array);
    this.#array = bigger;
  }
  push(value: number): void {
    this.ensure(this.length + 1);
    this.#array[this.length++] = value;
  }
  /** The filled part, copied. */
  copy(): T {
    return this.#array.slice(0, this.length) as T;
  }
}

/** Nearest-rank percentile of sorted samples; 0 when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max of raw samples (sorted here, never averaged). */
export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
  };
}

/** What a book gathered since it was last taken. */
export interface DeliveryTake {
  delivered: number;
  duplicated: number;
  samples: Float64Array;
}

/** The subscribers' side: who got which publication of their channel, and how late. */
export class DeliveryBook {
  /** Per channel: how many of this book's subscribers got each publication index. */
  readonly #counts: Grow<Uint32Array>[];
  readonly #seen: { channel: number; bits: Grow<Uint8Array> }[] = [];
  #samples = new Grow((n) => new Float64Array(n));
  #delivered = 0;
  #duplicated = 0;

  constructor(channels: number) {
    this.#counts = Array.from({ length: channels }, () => new Grow((n) => new Uint32Array(n)));
  }

  /** Registers a subscriber of `channel`; returns its index for `deliver`. */
  subscriber(channel: number): number {
    this.#seen.push({ channel, bits: new Grow((n) => new Uint8Array(n)) });
    return this.#seen.length - 1;
  }

  /** Subscriber `who` received publication `index` of its channel, `latencyMs` after it was sent. */
  deliver(who: number, index: number, latencyMs: number): void {
    const seen = this.#seen[who]!;
    const byte = index >> 3;
    const bit = 1 << (index & 7);
    seen.bits.ensure(byte + 1);
    if ((seen.bits.array[byte]! & bit) !== 0) {
      this.#duplicated++;
      return;
    }
    seen.bits.array[byte]! |= bit;
    this.#delivered++;
    this.#samples.push(latencyMs);
    const counts = this.#counts[seen.channel]!;
    counts.ensure(index + 1);
    counts.length = Math.max(counts.length, index + 1);
    counts.array[index]!++;
  }

  /** Counts and samples since the last take (the samples move to the caller). */
  take(): DeliveryTake {
    const taken = { delivered: this.#delivered, duplicated: this.#duplicated, samples: this.#samples.copy() };
    this.#delivered = 0;
    this.#duplicated = 0;
    this.#samples = new Grow((n) => new Float64Array(n));
    return taken;
  }

  /** Per channel, how many subscribers of this book got each publication index. */
  counts(): Uint32Array[] {
    return this.#counts.map((counts) => counts.copy());
  }
}

/** The publishers' side, and the run's totals once the books are merged in. */
export class BenchLedger {
  readonly #subscribers: readonly number[];
  readonly #fates: Grow<Uint8Array>[];
  readonly #samples = new Grow((n) => new Float64Array(n));
  sent = 0;
  accepted = 0;
  failed = 0;
  /** Deliveries of distinct publications to distinct subscribers. */
  delivered = 0;
  duplicated = 0;
  /** Deliveries the accepted publications call for (one per subscriber of their channel). */
  expected = 0;
  #missing: number | undefined;

  /** `subscribers[c]`: how many subscribers channel c has. */
  constructor(subscribers: readonly number[]) {
    this.#subscribers = subscribers;
    this.#fates = subscribers.map(() => new Grow((n) => new Uint8Array(n)));
  }

  /** A publication goes out on `channel`; returns its index there. */
  send(channel: number): number {
    this.sent++;
    this.#fates[channel]!.push(PENDING);
    return this.#fates[channel]!.length - 1;
  }

  /** The node accepted (`ok`) or refused publication `index` of `channel`. */
  settle(channel: number, index: number, ok: boolean): void {
    const fates = this.#fates[channel]!;
    if (fates.array[index] !== PENDING) return;
    fates.array[index] = ok ? ACCEPTED : FAILED;
    if (!ok) {
      this.failed++;
      return;
    }
    this.accepted++;
    this.expected += this.#subscribers[channel]!;
  }

  /** Adds what a book gathered (counts and raw samples). */
  add(take: DeliveryTake): void {
    this.delivered += take.delivered;
    this.duplicated += take.duplicated;
    for (const sample of take.samples) this.#samples.push(sample);
  }

  /** Merges the books' per-channel counts: from then on `missing` is exact. */
  merge(books: readonly (readonly Uint32Array[])[]): void {
    let missing = 0;
    this.#fates.forEach((fates, channel) => {
      for (let index = 0; index < fates.length; index++) {
        if (fates.array[index] !== ACCEPTED) continue;
        let got = 0;
        for (const counts of books) got += counts[channel]![index] ?? 0;
        missing += Math.max(0, this.#subscribers[channel]! - got);
      }
    });
    this.#missing = missing;
  }

  /** Publications neither accepted nor refused yet. */
  get pending(): number {
    return this.sent - this.accepted - this.failed;
  }

  /** Subscribers of accepted publications that did not get them (exact after `merge`). */
  get missing(): number {
    return this.#missing ?? Math.max(0, this.expected - this.delivered);
  }

  /** Every publication settled and as many deliveries as the accepted ones call for. */
  get complete(): boolean {
    return this.pending === 0 && this.delivered >= this.expected;
  }

  /** How many latency samples there are (to take windows of them). */
  get samples(): number {
    return this.#samples.length;
  }

  /** Samples from index `from` on (the raw values; copy before sorting). */
  latencies(from = 0): Float64Array {
    return this.#samples.array.subarray(from, this.#samples.length);
  }
}
