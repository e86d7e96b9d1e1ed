/**
 * @module api/api-stats
 * Counters of the server API, read in `relais.stats().api`: calls by method, error replies by
 * code. Only known method names are counted as calls, so that the counters stay bounded.
 */

/** A plain copy of the server API's counters. */
export interface ApiStatsSnapshot {
  /** Calls of each known method (answered with a result or an error). */
  calls: Record<string, number>;
  /** Error replies by code (101 bad key, 104 unknown method, 106 body too large, 107 bad input, …). */
  errors: Record<string, number>;
}

export class ApiStats {
  readonly #calls = new Map<string, number>();
  readonly #errors = new Map<string, number>();

  call(method: string): void {
    this.#calls.set(method, (this.#calls.get(method) ?? 0) + 1);
  }

  error(code: number): void {
    const key = String(code);
    this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
  }

  snapshot(): ApiStatsSnapshot {
    return { calls: Object.fromEntries(this.#calls), errors: Object.fromEntries(this.#errors) };
  }
}
