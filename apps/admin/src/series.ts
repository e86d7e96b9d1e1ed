/**
 * @module admin/src/series
 * The overview's live numbers: per node, a bounded series of samples (connections,
 * subscriptions, messages/s in and out, event-loop lag), the rates taken from the differences
 * of the node's counters between two answers.
 */
import type { NodeRow } from '../shared/protocol.js';

/** Samples kept per node: five minutes at one a second. */
export const MAX_SAMPLES = 300;

export interface Sample {
  at: number;
  connections: number;
  subscriptions: number;
  inPerSecond: number;
  outPerSecond: number;
  lagMs: number;
}

export type Metric = Exclude<keyof Sample, 'at'>;

/** The rate of a counter between two answers; 0 when the node restarted (its counters went back). */
function rate(before: number, after: number, seconds: number): number {
  return seconds > 0 && after >= before ? (after - before) / seconds : 0;
}

export class NodeSeries {
  readonly #samples = new Map<string, Sample[]>();
  readonly #last = new Map<string, NodeRow>();

  /** Adds one answer of `GET /admin/api/nodes`; nodes that are gone are forgotten. */
  add(rows: readonly NodeRow[]): void {
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      const before = this.#last.get(row.id);
      this.#last.set(row.id, row);
      const seconds = before ? (row.at - before.at) / 1000 : 0;
      const sample: Sample = {
        at: row.at,
        connections: row.connections,
        subscriptions: row.subscriptions,
        inPerSecond: before ? rate(before.messagesIn, row.messagesIn, seconds) : 0,
        outPerSecond: before ? rate(before.messagesOut, row.messagesOut, seconds) : 0,
        lagMs: row.eventLoopLagMs ?? 0,
      };
      const samples = this.#samples.get(row.id) ?? [];
      samples.push(sample);
      if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
      this.#samples.set(row.id, samples);
    }
    for (const id of [...this.#samples.keys()]) {
      if (seen.has(id)) continue;
      this.#samples.delete(id);
      this.#last.delete(id);
    }
  }

  /** The node ids with samples, in the order first seen. */
  nodes(): string[] {
    return [...this.#samples.keys()];
  }

  /** The samples of one node, oldest first. */
  samples(node: string): readonly Sample[] {
    return this.#samples.get(node) ?? [];
  }

  /** The latest sample of one node. */
  latest(node: string): Sample | undefined {
    return this.#samples.get(node)?.at(-1);
  }
}
