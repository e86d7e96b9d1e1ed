/**
 * @module metrics/node-stats
 * What one node tells of itself for live views (the admin dashboard's overview): its counts
 * and counters now and its event-loop lag since the last ask, answered to the control message
 * `node.stats` by every node, so that one node can show the whole cluster.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Cluster } from '../cluster/cluster.js';
import { EVENT_LOOP_RESOLUTION_MS } from './process-metrics.js';

/** The control message every node answers with its NodeStats. */
export const NODE_STATS_MESSAGE = 'node.stats';

/** One node's numbers. Counters (`messagesIn`…) count since the node started: rates are their differences. */
export interface NodeStats {
  id: string;
  version: string;
  /** ms since the epoch. */
  startedAt: number;
  uptimeMs: number;
  /** When the node answered, in ms since the epoch (the time of the counters). */
  at: number;
  connections: number;
  subscriptions: number;
  /** Channels with subscribers on this node. */
  channels: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Mean event-loop delay since the previous ask, in ms; null on the first ask (the sampling starts then). */
  eventLoopLagMs: number | null;
  /** Traces running on this node. */
  traces: number;
}

/** A node that did not answer `node.stats`, and why. */
export interface NodeStatsError {
  node: string;
  message: string;
}

const NS_PER_MS = 1e6;

/** The event-loop delay, sampled from the first `read()` on (a node nobody asks pays nothing). */
export class EventLoopLag {
  #histogram: IntervalHistogram | undefined;

  /** The mean delay since the previous read, in ms; null on the first read. */
  read(): number | null {
    if (!this.#histogram) {
      this.#histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
      this.#histogram.enable();
      return null;
    }
    const histogram = this.#histogram;
    const mean = histogram.count > 0 ? histogram.mean / NS_PER_MS : null;
    histogram.reset();
    return mean;
  }

  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
  }
}

/** Asks every node of the cluster for its NodeStats, in `cluster.nodes()` order; those that fail are in `errors`. */
export async function gatherNodeStats(
  cluster: Pick<Cluster, 'gather'>,
  timeoutMs: number,
): Promise<{ nodes: NodeStats[]; errors: NodeStatsError[] }> {
  const nodes: NodeStats[] = [];
  const errors: NodeStatsError[] = [];
  for (const reply of await cluster.gather(NODE_STATS_MESSAGE, null, timeoutMs)) {
    if ('error' in reply) errors.push({ node: reply.node, message: reply.error.message });
    else nodes.push(reply.result as NodeStats);
  }
  return { nodes, errors };
}
