/**
 * @module transports/src/meter
 * What the page measures per technique: ticks received, delivery latency (p50/p95 over the last
 * samples), ticks missed (gaps in its own sequence), requests and bytes per minute.
 */
import type { Tick } from '../shared/protocol.js';

/** Latency samples kept per technique (for the percentiles and the chart). */
export const SAMPLES_KEPT = 240;

export interface MeterView {
  received: number;
  missed: number;
  p50: number | undefined;
  p95: number | undefined;
  requestsPerMinute: number;
  bytesPerMinute: number;
  /** The latest latencies, oldest first (ms). */
  recent: number[];
}

/** The `q` quantile (0..1) of `values`, nearest rank; undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export class Meter {
  readonly #startedAt: number;
  readonly #seen = new Set<number>();
  #first: number | undefined;
  #last = 0;
  #samples: number[] = [];
  requests = 0;
  bytes = 0;

  constructor(now = Date.now()) {
    this.#startedAt = now;
  }

  /** A tick arrived at `receivedAt` (this page's clock); duplicates count once. */
  tick(tick: Tick, receivedAt = Date.now()): void {
    if (this.#seen.has(tick.seq)) return;
    this.#seen.add(tick.seq);
    this.#first = this.#first === undefined ? tick.seq : Math.min(this.#first, tick.seq);
    this.#last = Math.max(this.#last, tick.seq);
    this.#samples.push(Math.max(0, receivedAt - tick.sentAt));
    if (this.#samples.length > SAMPLES_KEPT) this.#samples.shift();
  }

  /** One HTTP request (or connection) made, and its bytes (payload, plus headers where known). */
  request(bytes = 0): void {
    this.requests += 1;
    this.bytes += bytes;
  }

  view(now = Date.now()): MeterView {
    const minutes = Math.max((now - this.#startedAt) / 60_000, 1 / 60_000);
    const span = this.#first === undefined ? 0 : this.#last - this.#first + 1;
    return {
      received: this.#seen.size,
      missed: span - this.#seen.size,
      p50: quantile(this.#samples, 0.5),
      p95: quantile(this.#samples, 0.95),
      requestsPerMinute: Math.round(this.requests / minutes),
      bytesPerMinute: Math.round(this.bytes / minutes),
      recent: this.#samples.slice(-60),
    };
  }
}

/** Bytes of a response's headers as the browser shows them (names, values, separators). */
export function headerBytes(headers: Headers): number {
  let bytes = 0;
  headers.forEach((value, name) => {
    bytes += name.length + value.length + 4;
  });
  return bytes;
}
