/**
 * @module api/api-stats
 * Counters of the server API, in the node's Prometheus registry (`relais_api_calls_total`,
 * `relais_api_errors_total`, `relais_api_call_duration_seconds`) and in `relais.stats().api`:
 * calls by method, error replies by code. Only known method names become labels, so that the
 * series stay bounded.
 */
import { COMMAND_SECONDS_BUCKETS } from '../metrics/metrics.js';
import { Counter, Histogram, type Registry } from '../metrics/prometheus.js';

/** A plain copy of the server API's counters. */
export interface ApiStatsSnapshot {
  /** Calls of each known method (answered with a result or an error). */
  calls: Record<string, number>;
  /** Error replies by code (101 bad key, 104 unknown method, 106 body too large, 107 bad input, …). */
  errors: Record<string, number>;
}

export class ApiStats {
  readonly #calls: Counter;
  readonly #errors: Counter;
  readonly #seconds: Histogram;

  constructor(registry: Registry) {
    this.#calls = registry.register(new Counter('relais_api_calls_total', 'Server API calls of a known method, by method.', ['method']));
    this.#errors = registry.register(new Counter('relais_api_errors_total', 'Server API error replies, by code.', ['code']));
    this.#seconds = registry.register(
      new Histogram(
        'relais_api_call_duration_seconds',
        'Time from a server API call’s body read to its answer, by method.',
        ['method'],
        [...COMMAND_SECONDS_BUCKETS],
      ),
    );
  }

  /** A call of `method` (a known one) was answered after `seconds`. */
  call(method: string, seconds: number): void {
    this.#calls.labels(method).inc();
    this.#seconds.labels(method).observe(seconds);
  }

  error(code: number): void {
    this.#errors.labels(String(code)).inc();
  }

  snapshot(): ApiStatsSnapshot {
    return { calls: this.#calls.byFirstLabel(), errors: this.#errors.byFirstLabel() };
  }
}
