/**
 * @module memory/memory-bus
 * The in-process backend shared by MemoryBrokers: one bus, many nodes in one process.
 * Tests share a bus between brokers to simulate a cluster.
 */
import type { PublishResult } from '@relais/protocol';
import type { BrokerEventHandler, BrokerPublishOptions, Publication } from '../broker.js';
import { DEFAULT_IDEMPOTENCY_TTL_MS } from '../options.js';
import { IdempotencyCache } from './idempotency-cache.js';

export interface MemoryBusOptions {
  /** Clock for idempotency expiry, in ms. @default Date.now */
  now?: () => number;
  /** Idempotency keys remembered at most. @default 100000 */
  maxIdempotencyKeys?: number;
}

export class MemoryBus {
  /** Handlers (one per node) subscribed to each channel. */
  readonly #channels = new Map<string, Set<BrokerEventHandler>>();
  readonly #idempotency: IdempotencyCache;

  constructor(options: MemoryBusOptions = {}) {
    this.#idempotency = new IdempotencyCache(options.now ?? Date.now, options.maxIdempotencyKeys);
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

  /** Delivers synchronously to every subscribed node, in call order. */
  publish(pub: Publication, options: BrokerPublishOptions): PublishResult {
    const key = options.idempotencyKey === undefined ? undefined : `${pub.channel}\u0000${options.idempotencyKey}`;
    if (key !== undefined) {
      const previous = this.#idempotency.get(key);
      if (previous) return previous;
    }
    const result: PublishResult = {};
    for (const handler of this.#channels.get(pub.channel) ?? []) handler.handlePublication(pub);
    if (key !== undefined) this.#idempotency.set(key, result, options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS);
    return result;
  }

  /** Channels with at least one subscribed node (for tests and stats). */
  get channelCount(): number {
    return this.#channels.size;
  }
}
