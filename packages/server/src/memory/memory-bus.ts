/**
 * @module memory/memory-bus
 * The in-process backend shared by MemoryBrokers (and MemoryPresenceStores): one bus, many
 * nodes in one process. Tests share a bus between brokers to simulate a cluster.
 */
import type { ClientInfo, PublishResult } from '@relais/protocol';
import type { BrokerEventHandler, BrokerPublishOptions, HistoryQuery, HistoryResult, Publication } from '../broker.js';
import { DEFAULT_IDEMPOTENCY_TTL_MS } from '../options.js';
import { MemoryControlHub } from '../cluster/memory-control-link.js';
import { IdempotencyCache } from './idempotency-cache.js';
import { MemoryRpcReplyStore } from '../rpc-once/memory-rpc-replies.js';
import { OptionsError, positiveInteger } from '../option-checks.js';
import { DEFAULT_HISTORY_META_TTL_MS, DEFAULT_MAX_HISTORY_BYTES, MemoryStreams } from './memory-streams.js';

/** One client in one channel's presence, until `expiresAt` (ms). */
export interface PresenceEntry {
  info: ClientInfo;
  expiresAt: number;
}

export interface MemoryBusOptions {
  /** Clock for idempotency and history expiry, in ms. @default Date.now */
  now?: () => number;
  /** Idempotency keys remembered at most. @default 100000 */
  maxIdempotencyKeys?: number;
  /** Approximate heap bytes the remembered idempotency keys may take; the oldest go first. @default 67108864 (64 MiB) */
  maxIdempotencyBytes?: number;
  /** Replies of RPCs called with an idempotency key remembered at most, the oldest going first. @default 10000 */
  maxRpcReplies?: number;
  /** Bytes of remembered RPC replies (MessagePack) kept at most, the oldest going first. @default 67108864 (64 MiB) */
  maxRpcReplyBytes?: number;
  /**
   * How long a channel's stream position (offset, epoch) outlives its last publish once it
   * keeps no publication; then it is forgotten. @default 86400000 (one day, as the Redis engine)
   */
  historyMetaTtlMs?: number;
  /**
   * Node-wide cap on the history kept by this bus, over all channels, in bytes of encoded
   * publication bodies (as a namespace's historyMaxBytes counts them). Past it the oldest
   * publications of any channel are dropped first, as a size or TTL trim would drop them. Each
   * kept publication also costs ~130 bytes of bookkeeping, bounded by the channels' historySize.
   * @default 67108864 (64 MiB)
   */
  maxHistoryBytes?: number;
}

export class MemoryBus {
  /** Handlers (one per node) subscribed to each channel. */
  readonly #channels = new Map<string, Set<BrokerEventHandler>>();
  readonly #idempotency: IdempotencyCache;
  readonly #streams: MemoryStreams;
  /** Presence entries of MemoryPresenceStores on this bus, by channel then client id. */
  readonly presenceEntries = new Map<string, Map<string, PresenceEntry>>();
  /** The control messages of the nodes on this bus. */
  readonly control = new MemoryControlHub();
  /** The replies of keyed RPCs, shared by the nodes on this bus. */
  readonly rpcReplies: MemoryRpcReplyStore;

  constructor(options: MemoryBusOptions = {}) {
    const now = options.now ?? Date.now;
    this.#idempotency = new IdempotencyCache(now, { maxKeys: options.maxIdempotencyKeys, maxBytes: options.maxIdempotencyBytes });
    for (const name of ['maxIdempotencyKeys', 'maxIdempotencyBytes', 'maxHistoryBytes'] as const) {
      if (options[name] !== undefined) positiveInteger(`MemoryBus ${name}`, options[name]);
    }
    const metaTtlMs = options.historyMetaTtlMs ?? DEFAULT_HISTORY_META_TTL_MS;
    if (!Number.isFinite(metaTtlMs) || metaTtlMs <= 0) {
      throw new OptionsError(`MemoryBus option historyMetaTtlMs must be a positive number of ms, got ${String(options.historyMetaTtlMs)}`);
    }
    this.rpcReplies = new MemoryRpcReplyStore({ now, maxReplies: options.maxRpcReplies, maxBytes: options.maxRpcReplyBytes });
    this.#streams = new MemoryStreams({ now, metaTtlMs, maxBytes: options.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES });
  }

  /** Bytes of history kept now over all channels (encoded publication bodies; see maxHistoryBytes). */
  get historyBytes(): number {
    return this.#streams.bytes;
  }

  /** Publications kept now over all channels. */
  get historyCount(): number {
    return this.#streams.count;
  }

  subscribe(channel: string, handler: BrokerEventHandler): void {
    let handlers = this.#channels.get(channel);
    if (!handlers) this.#channels.set(channel, (handlers = new Set()));
    handlers.add(handler);
  }

  unsubscribe(channel: string, handler: BrokerEventHandler): void {
    const handlers = this.#channels.get(channel);
    if (!handlers) return;
    handlers.delete(handler);
    if (handlers.size === 0) this.#channels.delete(channel);
  }

  /**
   * Delivers synchronously to every subscribed node, in call order. With `history`, the
   * offset is taken and the publication stored (encoded) in the same synchronous step, so
   * offsets follow delivery order; delivery hands over the publication object, not a decode.
   */
  publish(pub: Publication, options: BrokerPublishOptions): PublishResult {
    const key = options.idempotencyKey === undefined ? undefined : `${pub.channel}\u0000${options.idempotencyKey}`;
    if (key !== undefined) {
      const previous = this.#idempotency.get(key);
      if (previous) return previous;
    }
    const delivered = options.history ? this.#streams.append(pub, options.history) : pub;
    const result: PublishResult = {};
    if (delivered.offset !== undefined) {
      result.offset = delivered.offset;
      result.epoch = delivered.epoch;
    }
    for (const handler of this.#channels.get(pub.channel) ?? []) handler.handlePublication(delivered);
    if (key !== undefined)
      this.#idempotency.set(key, result, options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS, options.idempotencyOwner);
    return result;
  }

  history(channel: string, query: HistoryQuery): HistoryResult {
    return this.#streams.read(channel, query);
  }

  removeHistory(channel: string): void {
    this.#streams.remove(channel);
  }

  join(channel: string, info: ClientInfo): void {
    for (const handler of this.#channels.get(channel) ?? []) handler.handleJoin(channel, info);
  }

  leave(channel: string, info: ClientInfo): void {
    for (const handler of this.#channels.get(channel) ?? []) handler.handleLeave(channel, info);
  }

  /** Channels with at least one subscribed node (for tests and stats). */
  get channelCount(): number {
    return this.#channels.size;
  }
}
