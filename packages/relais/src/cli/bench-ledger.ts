/**
 * @module cli/bench-ledger
 * What `relais bench` sent and what arrived: publications by channel and index, their fate
 * (pending, accepted, failed), each subscriber's deliveries (duplicates found exactly, one bit
 * per delivery), and the raw latency samples. Pure: the caller stamps times.
 */

const PENDING = 0;
const ACCEPTED = 1;
const FAILED = 2;

/** A growable array of numbers, doubling as it fills. */
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
}

/** One channel's publications: their fate and how many subscribers got each. */
interface ChannelBook {
  subscribers: number;
  fate: Grow<Uint8Array>;
  delivered: Grow<Uint32Array>;
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

export class BenchLedger {
  readonly #channels: ChannelBook[];
  /** Per subscriber: its channel and one bit per publication index of that channel. */
  readonly #seen: { channel: number; bits: Grow<Uint8Array> }[] = [];
  readonly #latencies = new Grow((n) => new Float64Array(n));
  sent = 0;
  accepted = 0;
  failed = 0;
  /** Deliveries of distinct publications to distinct subscribers. */
  delivered = 0;
  duplicated = 0;
  /** Subscribers of accepted publications that have not had them yet. */
  #missing = 0;

  /** `subscribers[c]`: how many subscribers channel c has. */
  constructor(subscribers: readonly number[]) {
    this.#channels = subscribers.map((count) => ({
      subscribers: count,
      fate: new Grow((n) => new Uint8Array(n)),
      delivered: new Grow((n) => new Uint32Array(n)),
    }));
  }

  /** Registers a subscriber of `channel`; returns its index for `deliver`. */
  subscriber(channel: number): number {
    this.#seen.push({ channel, bits: new Grow((n) => new Uint8Array(n)) });
    return this.#seen.length - 1;
  }

  /** A publication goes out on `channel`; returns its index there. */
  send(channel: number): number {
    const book = this.#channels[channel]!;
    this.sent++;
    book.fate.push(PENDING);
    book.delivered.push(0);
    return book.fate.length - 1;
  }

  /** The node accepted (`ok`) or refused publication `index` of `channel`. */
  settle(channel: number, index: number, ok: boolean): void {
    const book = this.#channels[channel]!;
    if (book.fate.array[index] !== PENDING) return;
    book.fate.array[index] = ok ? ACCEPTED : FAILED;
    if (!ok) {
      this.failed++;
      return;
    }
    this.accepted++;
    this.#missing += Math.max(0, book.subscribers - book.delivered.array[index]!);
  }

  /** Subscriber `who` received publication `index` of its channel, `latencyMs` after it was sent. */
  deliver(who: number, index: number, latencyMs: number): void {
    const seen = this.#seen[who]!;
    const book = this.#channels[seen.channel]!;
    seen.bits.ensure((index >> 3) + 1);
    const byte = index >> 3;
    const bit = 1 << (index & 7);
    if (index >= book.fate.length || (seen.bits.array[byte]! & bit) !== 0) {
      this.duplicated++;
      return;
    }
    seen.bits.array[byte]! |= bit;
    this.delivered++;
    this.#latencies.push(latencyMs);
    book.delivered.array[index]!++;
    if (book.fate.array[index] === ACCEPTED) this.#missing--;
  }

  /** Publications neither accepted nor refused yet. */
  get pending(): number {
    return this.sent - this.accepted - this.failed;
  }

  /** Deliveries the accepted publications call for (one per subscriber of their channel). */
  get expected(): number {
    let total = 0;
    for (const book of this.#channels) {
      for (let i = 0; i < book.fate.length; i++) if (book.fate.array[i] === ACCEPTED) total += book.subscribers;
    }
    return total;
  }

  /** Subscribers of accepted publications still waiting for them. */
  get missing(): number {
    return this.#missing;
  }

  /** Every publication settled and every accepted one delivered everywhere. */
  get complete(): boolean {
    return this.pending === 0 && this.#missing === 0;
  }

  /** How many latency samples there are (to take windows of them). */
  get samples(): number {
    return this.#latencies.length;
  }

  /** Samples from index `from` on (the raw values; copy before sorting). */
  latencies(from = 0): Float64Array {
    return this.#latencies.array.subarray(from, this.#latencies.length);
  }
}
