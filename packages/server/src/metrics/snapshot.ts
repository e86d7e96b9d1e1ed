/**
 * @module metrics/snapshot
 * The plain snapshot of a node's counts that `relais.stats()` returns.
 */

/** A plain, JSON-friendly copy of the counters. */
export interface MetricsSnapshot {
  /** Open connections now (connecting and connected). */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Subscriptions held now, over all connections. */
  subscriptions: number;
  /** Commands received, by method. */
  commands: Record<string, number>;
  /** Inbound transport messages and their bytes. */
  messagesIn: number;
  bytesIn: number;
  /** Outbound transport messages (after coalescing) and their bytes. */
  messagesOut: number;
  bytesOut: number;
  /** Reply errors sent, by code. */
  errors: Record<string, number>;
  /** Closed connections, by close code. */
  disconnects: Record<string, number>;
  /** Inbound messages that broke the protocol (malformed, oversized, bad envelope). */
  badFrames: number;
  /** Subscriptions whose queue overflowed and that fell behind instead of closing (slowConsumer 'catch-up'). */
  fellBehind: number;
  /** Requests refused by a rate limit or cap, by limit (`connection.commands`, `user.publishes`, `ip.connections`, …). */
  rateLimited: Record<string, number>;
  /** WebSocket upgrades refused before a connection existed, by reason (`origin`, `rate`, `path`, `subprotocol`, `closing`). */
  refusedUpgrades: Record<string, number>;
  /** Backend calls of the `proxy` option, by `hook:outcome` (`connect:ok`, `rpc:timeout`, …). */
  proxyCalls: Record<string, number>;
  /** Time spent in backend calls, by hook, in seconds. */
  proxySeconds: Record<string, number>;
  /** What the node holds for its connections now; every count is 0 once they all closed. */
  resources: NodeResources;
}

/** What a node holds for its connections. */
export interface NodeResources {
  /** Subscribes in progress whose channel's publications the hub holds (see Hub.hold). */
  holds: number;
  /** Channels the engine delivers to this node (one broker subscription each). */
  brokerChannels: number;
  /** Presence entries this node keeps alive. */
  presenceEntries: number;
  /** Expiry timers of subscriptions: held with a subscription token, or with a deadline from onSubscribe. */
  tokenTimers: number;
}
