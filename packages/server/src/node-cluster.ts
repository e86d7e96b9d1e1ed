/**
 * @module node-cluster
 * A node's place in its cluster: the Cluster over its broker's control link, the trace and
 * stats messages every node answers, and the live numbers it reports (`clusterStats`).
 */
import { Cluster } from './cluster/cluster.js';
import { MemoryControlLink } from './cluster/memory-control-link.js';
import type { CommandSession, NodeServices } from './commands/context.js';
import { NODE_STATS_MESSAGE, type EventLoopLag, type NodeStats } from './metrics/node-stats.js';
import type { ResolvedOptions } from './options.js';
import { TRACE_MESSAGES, type Tracer, type TraceStart } from './trace/tracer.js';
import { SERVER_VERSION } from './version.js';

/** The parts of a node that its cluster membership and its stats read. */
export interface NodeParts {
  options: ResolvedOptions;
  services: NodeServices;
  sessions: ReadonlySet<CommandSession>;
  startedAt: number;
  tracer: Tracer;
  lag: EventLoopLag;
}

/**
 * The node's Cluster over its broker's control link (a MemoryControlLink without one), answering
 * trace start/stop and node stats messages. Not started.
 */
export function createNodeCluster(parts: NodeParts): Cluster {
  const { options, services, sessions, tracer } = parts;
  const cluster = new Cluster(services.broker.controlLink?.() ?? new MemoryControlLink(), {
    nodeId: options.nodeId,
    heartbeatMs: options.clusterHeartbeatMs,
    info: () => ({
      id: options.nodeId,
      startedAt: parts.startedAt,
      version: SERVER_VERSION,
      connections: sessions.size,
      subscriptions: services.metrics.subscriptions,
    }),
    logger: services.logger,
  });
  cluster.handle(TRACE_MESSAGES.start, (body) => tracer.start(body as TraceStart));
  cluster.handle(TRACE_MESSAGES.stop, (body) => tracer.stop((body as { id: string }).id));
  cluster.handle(NODE_STATS_MESSAGE, () => localNodeStats(parts));
  return cluster;
}

/** This node's live numbers, as `clusterStats` reports them. */
export function localNodeStats({ options, services, sessions, startedAt, tracer, lag }: NodeParts): NodeStats {
  const stats = services.metrics.snapshot();
  const now = Date.now();
  let channels = 0;
  for (const _ of services.hub.channelCounts()) channels++;
  return {
    id: options.nodeId,
    version: SERVER_VERSION,
    startedAt,
    uptimeMs: Math.max(0, now - startedAt),
    at: now,
    connections: sessions.size,
    subscriptions: stats.subscriptions,
    channels,
    messagesIn: stats.messagesIn,
    messagesOut: stats.messagesOut,
    bytesIn: stats.bytesIn,
    bytesOut: stats.bytesOut,
    eventLoopLagMs: lag.read(),
    traces: tracer.size,
  };
}
