/**
 * @module broker
 * The Broker role: moves publications between the nodes of a cluster.
 *
 * A node subscribes its Broker to a channel while at least one local connection is subscribed
 * to it, and hands every publication it receives to the Hub for local fan-out. The default
 * backend is MemoryBroker (one process); a Redis or NATS backend implements the same role.
 * The Broker also keeps channel history (offsets, epoch) and carries join/leave between nodes.
 */
import type { ClientInfo, PublishResult, StreamPosition } from '@relais/protocol';
import type { ControlLink } from './cluster/control-link.js';
import type { RpcReplyStore } from './rpc-once/rpc-reply-store.js';

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
  /** Position in the channel's stream: set by the broker when published with `history`. */
  offset?: number;
  epoch?: string;
}

/**
 * Keep a channel's recent publications: at most `size`, each for `ttlMs`, and at most
 * `maxBytes` of them (see publication-body: each counts the length of its encoded body).
 */
export interface HistoryOptions {
  size: number;
  ttlMs: number;
  /** Largest total of the kept publications' encoded bodies, in bytes. @default no byte bound */
  maxBytes?: number;
}

/** Who published under an idempotency key, and how many keys it may keep at once. */
export interface IdempotencyOwner {
  /** The connection's client id. */
  id: string;
  maxKeys: number;
}

/** Options of one publish. */
export interface BrokerPublishOptions {
  /** A second publish with the same key on the same channel within the TTL is not delivered. */
  idempotencyKey?: string;
  /** How long an idempotency key is remembered, in ms. */
  idempotencyTtlMs?: number;
  /**
   * The connection that published with `idempotencyKey`: the engine keeps at most
   * `maxKeys` of its keys at once, forgetting its oldest first, so that one connection cannot
   * fill the engine with keys. Keys outlive their connection (a resend comes on a new one).
   */
  idempotencyOwner?: IdempotencyOwner;
  /**
   * When set, the publication gets the channel's next offset (atomically with the publish,
   * shared by every node) and is kept in history. Without it: no offset, nothing stored.
   */
  history?: HistoryOptions;
}

export interface HistoryQuery {
  /**
   * Only publications after this position. When the epoch differs from the stream's,
   * nothing is returned (the caller compares `position.epoch`).
   */
  since?: StreamPosition;
  /** At most this many; 0 returns only the current position; undefined = all kept. */
  limit?: number;
  /** Newest first. @default false (oldest first) */
  reverse?: boolean;
}

export interface HistoryResult {
  /** Each with offset and epoch. */
  publications: Publication[];
  /** The stream's current top: offset of the latest publication (0 if none) and its epoch. */
  position: StreamPosition;
}

/** Receives what the broker delivers to this node. */
export interface BrokerEventHandler {
  /**
   * Called once per publication on a channel this node is subscribed to. Must not throw and
   * must not block: the Hub only enqueues frames.
   */
  handlePublication(pub: Publication): void;
  /** A client joined `channel` somewhere in the cluster (same rules as publications). */
  handleJoin(channel: string, info: ClientInfo): void;
  /** A client left `channel` somewhere in the cluster. */
  handleLeave(channel: string, info: ClientInfo): void;
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
 *
 * History (checked by `runHistorySuite`):
 * - Offsets start at 1 and increase by exactly 1 per publication published with `history` on
 *   a channel, shared by every node; the publication is delivered with its offset and epoch and
 *   `publish` resolves with them. Publishes without `history` get neither and are not stored.
 * - The epoch is a random string chosen when the channel's stream is created: on the first
 *   publish with history, on the first `history` call (so that a position read before any
 *   publish stays valid), or again after the backend lost or expired the stream's metadata.
 *   A stream whose publications all expired keeps its offset and epoch for a longer meta TTL.
 * - Trimming by `size`, `ttlMs` and `maxBytes` drops the oldest publications and never
 *   renumbers. The kept publications are always consecutive offsets ending at the top (or
 *   none): recovery relies on it, so a trim never leaves a hole.
 * - `maxBytes` counts `encodePublicationBody(pub).byteLength` per kept publication: after an
 *   append, the oldest are dropped while the total exceeds it. A publication larger than
 *   `maxBytes` is numbered and delivered but leaves the channel keeping nothing. Publications
 *   trimmed by size or TTL, or removed, stop counting.
 * - An idempotent retry resolves with the first offset and does not consume another one.
 * - `removeHistory` drops the kept publications; the offset and epoch stay.
 * - Join/leave travel like publications: delivered once to every node subscribed to the
 *   channel, in call order per channel; they are never stored.
 */
export interface Broker {
  /** Starts delivery to `handler`. Called once, before any other method. */
  start(handler: BrokerEventHandler): Promise<void>;
  publish(pub: Publication, options: BrokerPublishOptions): Promise<PublishResult>;
  /** This node wants the publications of `channel`. */
  subscribe(channel: string): Promise<void>;
  /** This node no longer wants the publications of `channel`. */
  unsubscribe(channel: string): Promise<void>;
  /** Reads the kept publications of `channel` and its current position. */
  history(channel: string, query: HistoryQuery): Promise<HistoryResult>;
  /** Drops the kept publications of `channel` (its offset and epoch stay). */
  removeHistory(channel: string): Promise<void>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  close(): Promise<void>;
  /**
   * A new ControlLink over the same backend, for the node's control messages (server API calls
   * aimed at another node's connections, heartbeats). Without it the node is a cluster of one.
   */
  controlLink?(): ControlLink;
  /**
   * Where the cluster remembers the replies of RPCs called with an idempotency key (see
   * rpc-once/rpc-reply-store for its contract), so that a repeat on any node runs the handler no
   * second time. Without it each node remembers its own: a repeat on another node runs again.
   */
  rpcReplies?(): RpcReplyStore;
  /**
   * Whether the backend is reachable now: false while a connection to it is lost (the node's
   * `/ready` answers 503 then). Without it the engine counts as reachable once started.
   */
  reachable?(): boolean;
}
