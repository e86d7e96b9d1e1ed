/**
 * @module broker
 * The Broker role: moves publications between the nodes of a cluster.
 *
 * A node subscribes its Broker to a channel while at least one local connection is subscribed
 * to it, and hands every publication it receives to the Hub for local fan-out. The default
 * backend is MemoryBroker (one process); a Redis or NATS backend implements the same role.
 */
import type { ClientInfo, PublishResult } from '@relais/protocol';

/** A publication as it travels between nodes. */
export interface Publication {
  channel: string;
  data: unknown;
  /** Event name inside the channel (`message`, `typing`, …). */
  event?: string;
  /** Who published it, when a client did. */
  info?: ClientInfo;
  /** Client id of a connection that must not receive it (publish with `excludeSelf`). */
  excludeClient?: string;
  /** Position in the channel's stream, set by brokers that keep history. */
  offset?: number;
  epoch?: string;
}

/** Options of one publish. Room for history (`history: {size, ttlMs}`) in a later version. */
export interface BrokerPublishOptions {
  /** A second publish with the same key on the same channel within the TTL is not delivered. */
  idempotencyKey?: string;
  /** How long an idempotency key is remembered, in ms. */
  idempotencyTtlMs?: number;
}

/** Receives what the broker delivers to this node. */
export interface BrokerEventHandler {
  /**
   * Called once per publication on a channel this node is subscribed to. Must not throw and
   * must not block: the Hub only enqueues frames.
   */
  handlePublication(pub: Publication): void;
  /**
   * Called when the broker's link to its backend was lost and is back: publications on
   * `channels` (channels this node was subscribed to) may have been missed meanwhile. The
   * node closes the affected connections with 3010 so that clients reconnect and recover.
   * Brokers that cannot lose publications never call it.
   */
  handleInterruption?(channels: readonly string[]): void;
}

/**
 * Contract for implementers (checked by `runBrokerSuite` from `@relais/server/testkit`):
 *
 * - Delivery: a publication is delivered to every node (Broker instance sharing the backend)
 *   that is subscribed to its channel when the publication is accepted, including the
 *   publishing node, exactly once per node. Nodes not subscribed receive nothing.
 * - Ordering: publishes to one channel awaited one after the other are delivered to every node
 *   in that order. No ordering is promised across channels. A sharded backend (e.g. Redis over
 *   N instances) must shard by channel so that this holds without changes to the server.
 * - Idempotency: when `idempotencyKey` is set, a second publish with the same key on the same
 *   channel within `idempotencyTtlMs` is not delivered again and resolves with the first
 *   result. Keys are scoped to the channel and shared by all nodes of the cluster. Storage of
 *   keys is bounded: expired keys are dropped.
 * - `publish` resolves once the backend accepted the publication (not when every node
 *   delivered it); it rejects when the publication was not accepted.
 * - `subscribe`/`unsubscribe` are idempotent and per node (not reference-counted: the node
 *   counts its own subscribers). Publications accepted after `subscribe` resolves are delivered.
 * - `close` stops delivery and releases resources; it is idempotent. Calls after close reject.
 */
export interface Broker {
  /** Starts delivery to `handler`. Called once, before any other method. */
  start(handler: BrokerEventHandler): Promise<void>;
  publish(pub: Publication, options: BrokerPublishOptions): Promise<PublishResult>;
  /** This node wants the publications of `channel`. */
  subscribe(channel: string): Promise<void>;
  /** This node no longer wants the publications of `channel`. */
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}
