/**
 * @module memory/memory-broker
 * MemoryBroker: the default Broker, one node in one process (or several sharing a MemoryBus).
 */
import type { ClientInfo, PublishResult } from '@relais/protocol';
import type { Broker, BrokerEventHandler, BrokerPublishOptions, HistoryQuery, HistoryResult, Publication } from '../broker.js';
import type { ControlLink } from '../cluster/control-link.js';
import { MemoryControlLink } from '../cluster/memory-control-link.js';
import type { RpcReplyStore } from '../rpc-once/rpc-reply-store.js';
import { MemoryBus } from './memory-bus.js';

export interface MemoryBrokerOptions {
  /** Backend shared with other MemoryBrokers (in-process cluster). @default a private bus */
  bus?: MemoryBus;
}

/**
 * Delivers synchronously inside `publish`, so per-channel order is the call order. History
 * lives in the bus, so every MemoryBroker of one bus shares offsets and epochs.
 * @example const bus = new MemoryBus(); const a = new MemoryBroker({ bus }), b = new MemoryBroker({ bus });
 */
export class MemoryBroker implements Broker {
  readonly #bus: MemoryBus;
  readonly #channels = new Set<string>();
  #handler: BrokerEventHandler | undefined;
  #closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.#bus = options.bus ?? new MemoryBus();
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.#check();
    if (this.#handler) throw new Error('MemoryBroker already started');
    this.#handler = handler;
  }

  async publish(pub: Publication, options: BrokerPublishOptions): Promise<PublishResult> {
    this.#check();
    return this.#bus.publish(pub, options);
  }

  async subscribe(channel: string): Promise<void> {
    const handler = this.#started();
    if (this.#channels.has(channel)) return;
    this.#channels.add(channel);
    this.#bus.subscribe(channel, handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    const handler = this.#started();
    if (!this.#channels.delete(channel)) return;
    this.#bus.unsubscribe(channel, handler);
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    this.#check();
    return this.#bus.history(channel, query);
  }

  async removeHistory(channel: string): Promise<void> {
    this.#check();
    this.#bus.removeHistory(channel);
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.#check();
    this.#bus.join(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.#check();
    this.#bus.leave(channel, info);
  }

  /** The RPC replies remembered by this broker's bus, shared by every node on it. */
  rpcReplies(): RpcReplyStore {
    return this.#bus.rpcReplies;
  }

  /** A control link to the other nodes on this broker's bus. */
  controlLink(): ControlLink {
    return new MemoryControlLink(this.#bus.control);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#handler) {
      for (const channel of this.#channels) this.#bus.unsubscribe(channel, this.#handler);
    }
    this.#channels.clear();
  }

  #check(): void {
    if (this.#closed) throw new Error('MemoryBroker is closed');
  }

  #started(): BrokerEventHandler {
    this.#check();
    if (!this.#handler) throw new Error('MemoryBroker not started');
    return this.#handler;
  }
}
