/**
 * @module metrics
 * Counters of one node, read as a plain snapshot by `relais.stats()`.
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
  /** Subscriptions held with a subscription token, each watched by a timer. */
  tokenTimers: number;
}

function bump(counter: Map<string, number>, key: string | number): void {
  const name = String(key);
  counter.set(name, (counter.get(name) ?? 0) + 1);
}

/** Mutable counters; one instance per node. */
export class Metrics {
  connections = 0;
  connectionsTotal = 0;
  subscriptions = 0;
  /** Subscriptions held with a subscription token (each watched by a timer). */
  tokenTimers = 0;
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  badFrames = 0;
  readonly #commands = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #disconnects = new Map<string, number>();
  readonly #rateLimited = new Map<string, number>();
  readonly #refusedUpgrades = new Map<string, number>();
  readonly #proxyCalls = new Map<string, number>();
  readonly #proxySeconds = new Map<string, number>();

  /** A backend call of the `proxy` option ended (see proxy/backend-caller). */
  proxyCall(hook: string, outcome: string, seconds: number): void {
    bump(this.#proxyCalls, `${hook}:${outcome}`);
    this.#proxySeconds.set(hook, (this.#proxySeconds.get(hook) ?? 0) + seconds);
  }

  limited(limit: string): void {
    bump(this.#rateLimited, limit);
  }

  refusedUpgrade(reason: string): void {
    bump(this.#refusedUpgrades, reason);
  }

  command(method: string): void {
    bump(this.#commands, method);
  }

  error(code: number): void {
    bump(this.#errors, code);
  }

  disconnect(code: number): void {
    bump(this.#disconnects, code);
  }

  inbound(bytes: number): void {
    this.messagesIn++;
    this.bytesIn += bytes;
  }

  outbound(bytes: number): void {
    this.messagesOut++;
    this.bytesOut += bytes;
  }

  /** The counters; `resources` is filled in by the node (the counts live where the resources are). */
  snapshot(resources: Omit<NodeResources, 'tokenTimers'> = { holds: 0, brokerChannels: 0, presenceEntries: 0 }): MetricsSnapshot {
    return {
      resources: { ...resources, tokenTimers: this.tokenTimers },
      connections: this.connections,
      connectionsTotal: this.connectionsTotal,
      subscriptions: this.subscriptions,
      commands: Object.fromEntries(this.#commands),
      messagesIn: this.messagesIn,
      bytesIn: this.bytesIn,
      messagesOut: this.messagesOut,
      bytesOut: this.bytesOut,
      errors: Object.fromEntries(this.#errors),
      disconnects: Object.fromEntries(this.#disconnects),
      badFrames: this.badFrames,
      rateLimited: Object.fromEntries(this.#rateLimited),
      refusedUpgrades: Object.fromEntries(this.#refusedUpgrades),
      proxyCalls: Object.fromEntries(this.#proxyCalls),
      proxySeconds: Object.fromEntries(this.#proxySeconds),
    };
  }
}
