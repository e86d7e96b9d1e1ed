/**
 * @module cli/bench-report
 * What `relais bench` prints: the result (text or JSON), the progress line, and the errors it
 * counted by kind with their distinct messages.
 */
import type { BenchEncoding, BenchTransport } from './bench-args.js';
import type { BenchLedger, LatencySummary } from './bench-ledger.js';

export type BenchErrorKind = 'connect' | 'subscribe' | 'publish' | 'disconnect';
const KINDS: readonly BenchErrorKind[] = ['connect', 'subscribe', 'publish', 'disconnect'];
/** Distinct error messages kept (the counts stay exact beyond it). */
export const MAX_BENCH_ERROR_MESSAGES = 20;

/** A BenchErrors as plain data (to cross from a worker). */
export interface BenchErrorsSnapshot {
  counts: Record<BenchErrorKind, number>;
  messages: { message: string; count: number }[];
}

export class BenchErrors {
  readonly #counts = new Map<BenchErrorKind, number>(KINDS.map((kind) => [kind, 0]));
  readonly #messages = new Map<string, number>();
  total = 0;

  add(kind: BenchErrorKind, cause: unknown): void {
    this.total++;
    this.#counts.set(kind, this.#counts.get(kind)! + 1);
    const message = `${kind}: ${cause instanceof Error ? cause.message : String(cause)}`;
    const seen = this.#messages.get(message);
    if (seen !== undefined) this.#messages.set(message, seen + 1);
    else if (this.#messages.size < MAX_BENCH_ERROR_MESSAGES) this.#messages.set(message, 1);
  }

  /** Adds the counts and messages of another BenchErrors (a worker's). */
  absorb(other: BenchErrorsSnapshot): void {
    for (const kind of KINDS) {
      this.#counts.set(kind, this.#counts.get(kind)! + other.counts[kind]);
      this.total += other.counts[kind];
    }
    for (const { message, count } of other.messages) {
      const seen = this.#messages.get(message);
      if (seen !== undefined) this.#messages.set(message, seen + count);
      else if (this.#messages.size < MAX_BENCH_ERROR_MESSAGES) this.#messages.set(message, count);
    }
  }

  snapshot(): BenchErrorsSnapshot {
    return { counts: this.counts(), messages: this.messages() };
  }

  counts(): Record<BenchErrorKind, number> {
    return Object.fromEntries(this.#counts) as Record<BenchErrorKind, number>;
  }

  messages(): { message: string; count: number }[] {
    return [...this.#messages].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
  }
}

export interface BenchResult {
  url: string;
  transport: BenchTransport;
  encoding: BenchEncoding;
  connections: number;
  channels: number;
  subscribersPerChannel: number;
  publishers: number;
  /** Threads the subscribers ran in. */
  workers: number;
  ratePerSecond: number;
  durationMs: number;
  payloadBytes: number;
  /** Subscribers connected and subscribed. */
  connected: number;
  connectMs: number;
  /** Publications sent, accepted by the node, refused (or timed out), and never answered. */
  published: number;
  accepted: number;
  failed: number;
  unsettled: number;
  publishedPerSecond: number;
  /** Deliveries the accepted publications call for, those that arrived (each once), the rest. */
  expected: number;
  delivered: number;
  missing: number;
  duplicated: number;
  /** Deliveries over the time from the first publication until all had arrived (or the drain ended). */
  deliveriesPerSecond: number;
  /** From the publisher's stamp to the subscriber's receipt, over every delivery. */
  latencyMs: LatencySummary;
  errors: Record<BenchErrorKind, number>;
  errorMessages: { message: string; count: number }[];
  /** Everyone connected, nothing failed, every accepted publication delivered once. */
  ok: boolean;
}

const n = (value: number): string => value.toLocaleString('en-US');
const count = (value: number, noun: string): string => `${n(value)} ${noun}${value === 1 ? '' : 's'}`;
const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 1);

/** The progress line: elapsed time, totals and the last second's deliveries and p99. */
export function formatProgress(
  elapsedMs: number,
  ledger: BenchLedger,
  deliveredInWindow: number,
  window: LatencySummary,
  errors: number,
): string {
  return (
    `relais bench: ${(elapsedMs / 1000).toFixed(0)} s  published ${n(ledger.sent)}  delivered ${n(ledger.delivered)}` +
    ` (${n(deliveredInWindow)} in the last second)  p99 ${ms(window.p99)} ms  errors ${n(errors)}\n`
  );
}

/** The result as text. */
export function formatBench(r: BenchResult): string {
  const lines = [
    `relais bench ${r.url} (${r.transport}, ${r.encoding})`,
    `  load        ${count(r.connections, 'subscriber')} in ${count(r.channels, 'channel')} (${n(r.subscribersPerChannel)} each), ` +
      `${count(r.publishers, 'publisher')}, ${count(r.workers, 'subscriber thread')}, ${n(r.ratePerSecond)} publications/s of ${n(r.payloadBytes)} B padding for ${r.durationMs / 1000} s`,
    `  connected   ${n(r.connected)}/${n(r.connections)} in ${(r.connectMs / 1000).toFixed(2)} s`,
    `  published   ${n(r.published)} (${n(r.publishedPerSecond)}/s): accepted ${n(r.accepted)}, failed ${n(r.failed)}, unanswered ${n(r.unsettled)}`,
    `  delivered   ${n(r.delivered)} of ${n(r.expected)} expected: missing ${n(r.missing)}, duplicated ${n(r.duplicated)}`,
    `  deliveries  ${n(r.deliveriesPerSecond)}/s`,
    `  latency ms  p50 ${ms(r.latencyMs.p50)}  p95 ${ms(r.latencyMs.p95)}  p99 ${ms(r.latencyMs.p99)}  max ${ms(r.latencyMs.max)}` +
      `  (${n(r.latencyMs.samples)} samples)`,
    `  errors      ${Object.entries(r.errors)
      .map(([kind, count]) => `${kind} ${n(count)}`)
      .join(', ')}`,
    ...r.errorMessages.map(({ message, count }) => `    ${n(count)} × ${message}`),
    `  result      ${r.ok ? 'ok' : 'NOT OK: see missing, duplicated and errors above'}`,
  ];
  return `${lines.join('\n')}\n`;
}
