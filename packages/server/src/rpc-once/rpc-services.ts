/**
 * @module rpc-once/rpc-services
 * What the rpc command shares across a node: keyed calls run once (RpcOnce over the engine's
 * RpcReplyStore, or this node's own when the engine remembers none) and the count of results
 * refused by the contract's output schema.
 */
import type { Broker } from '../broker.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { Counter } from '../metrics/prometheus.js';
import type { ResolvedOptions } from '../options.js';
import { MemoryRpcReplyStore } from './memory-rpc-replies.js';
import { RpcOnce } from './rpc-once.js';

export interface RpcServices {
  readonly once: RpcOnce;
  /** Results a handler returned that its contract's output schema refused (never sent). */
  readonly outputRejected: Counter;
}

/**
 * `broker` is the engine's own (not the instrumented wrapper, which has no `rpcReplies`). A claim's lease is twice rpcTimeoutMs: the handler keeps running past the
 * deadline its caller got 114 at, and a repeat meanwhile still waits for it.
 */
export function createRpcServices(options: ResolvedOptions, broker: Broker, logger: Logger, metrics: Metrics): RpcServices {
  const store = broker.rpcReplies?.() ?? new MemoryRpcReplyStore();
  const once = new RpcOnce(store, {
    ttlMs: options.idempotencyTtlMs,
    waitMs: options.rpcTimeoutMs,
    leaseMs: 2 * options.rpcTimeoutMs,
    maxReplyBytes: options.limits.maxRpcReplyBytes,
    maxRepliesPerConnection: options.limits.maxIdempotencyKeysPerConnection,
    logger,
    registry: metrics.registry,
  });
  const outputRejected = metrics.registry.register(
    new Counter('relais_rpc_output_rejected_total', "RPC results refused by the contract's output schema (the caller got 100)."),
  );
  return { once, outputRejected };
}
