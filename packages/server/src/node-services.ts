/**
 * @module node-services
 * Builds the parts of a node that every session shares, from its parsed options: the hub, the
 * engine (broker and presence store, memory by default), hooks, namespace rules, token
 * verification, rate limits and metrics.
 */
import { TokenVerifier } from './auth/verifier.js';
import { BrokerSubscriptions } from './broker-subscriptions.js';
import { Channels } from './channels.js';
import type { NodeServices } from './commands/context.js';
import { Hooks } from './hooks.js';
import { Hub } from './hub.js';
import { silentLogger } from './logger.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryPresenceStore } from './memory/memory-presence-store.js';
import { instrumentBroker, instrumentPresenceStore } from './metrics/instrumented-engine.js';
import { Metrics } from './metrics/metrics.js';
import type { ResolvedOptions } from './options.js';
import { PresenceKeeper } from './presence/presence-keeper.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import { createRpcServices } from './rpc-once/rpc-services.js';
import type { Tracer } from './trace/tracer.js';

/**
 * The shared parts of a node; `sessionClosed` is called once per session that reaches `closed`;
 * `tracer` is the node's (it sends through the cluster, which is built from these services).
 */
export function createNodeServices(options: ResolvedOptions, sessionClosed: NodeServices['sessionClosed'], tracer: Tracer): NodeServices {
  const logger = options.logger ?? silentLogger;
  const metrics = new Metrics(options.namespaces.listed?.keys());
  const engineBroker = options.engine?.broker ?? new MemoryBroker();
  const broker = instrumentBroker(engineBroker, metrics);
  const store = instrumentPresenceStore(options.engine?.presence ?? new MemoryPresenceStore(), metrics);
  const subscriptions = new BrokerSubscriptions(broker);
  metrics.watchChannels(() => subscriptions.channels());
  return {
    options,
    logger,
    metrics,
    hub: new Hub({ logger, meter: metrics }),
    hooks: new Hooks(),
    channels: new Channels(options.namespaces),
    broker,
    subscriptions,
    auth: options.auth && new TokenVerifier(options.auth),
    limiter: new RateLimiter(options.limits, metrics),
    presence: new PresenceKeeper(store, options.presenceTtlMs, logger),
    tracer,
    rpc: createRpcServices(options, engineBroker, logger, metrics),
    sessionClosed,
  };
}
