/**
 * @module rpc-once/memory-rpc-replies
 * MemoryRpcReplyStore: RPC replies remembered in one process (the memory engine's bus, or one
 * node whose engine remembers none), bounded by a count and by bytes, the oldest going first.
 */
import { positiveInteger } from '../option-checks.js';
import type { RpcClaim, RpcReplyStore } from './rpc-reply-store.js';

/** Replies (and running claims) kept at most; the oldest go first when full. */
export const DEFAULT_MAX_RPC_REPLIES = 10_000;
/** Bytes of encoded replies kept at most; the oldest go first past it. */
export const DEFAULT_MAX_RPC_REPLY_BYTES_IN_ALL = 64 * 1024 * 1024;

/** What one entry costs beyond its reply's bytes and key (Map slot, entry object), roughly. */
const ENTRY_OVERHEAD_BYTES = 200;

interface Entry {
  /** undefined while claimed (the handler is running). */
  reply: Uint8Array | undefined;
  expiresAt: number;
  bytes: number;
}

export interface MemoryRpcReplyStoreOptions {
  /** The clock, in ms. @default Date.now */
  now?: () => number;
  /** @default DEFAULT_MAX_RPC_REPLIES */
  maxReplies?: number;
  /** @default DEFAULT_MAX_RPC_REPLY_BYTES_IN_ALL */
  maxBytes?: number;
}

export class MemoryRpcReplyStore implements RpcReplyStore {
  // Map keeps insertion order: the first entries are the oldest.
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxReplies: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor({ now = Date.now, maxReplies, maxBytes }: MemoryRpcReplyStoreOptions = {}) {
    this.#now = now;
    this.#maxReplies = maxReplies === undefined ? DEFAULT_MAX_RPC_REPLIES : positiveInteger('maxRpcReplies', maxReplies);
    this.#maxBytes = maxBytes === undefined ? DEFAULT_MAX_RPC_REPLY_BYTES_IN_ALL : positiveInteger('maxRpcReplyBytes', maxBytes);
  }

  /** Keys kept now (claims and replies). */
  get size(): number {
    return this.#entries.size;
  }

  /** Approximate bytes kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  claim(key: string, leaseMs: number): Promise<RpcClaim> {
    const entry = this.#live(key);
    if (entry?.reply !== undefined) return Promise.resolve({ state: 'answered', reply: entry.reply });
    if (entry) return Promise.resolve({ state: 'running' });
    this.#put(key, undefined, leaseMs);
    return Promise.resolve({ state: 'claimed' });
  }

  settle(key: string, reply: Uint8Array, ttlMs: number): Promise<void> {
    // A copy: the caller's bytes may view a larger, reused buffer.
    this.#put(key, reply.slice(), ttlMs);
    return Promise.resolve();
  }

  release(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry && entry.reply === undefined) this.#delete(key, entry);
    return Promise.resolve();
  }

  forget(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry) this.#delete(key, entry);
    return Promise.resolve();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#delete(key, entry);
    return undefined;
  }

  #put(key: string, reply: Uint8Array | undefined, ttlMs: number): void {
    this.#sweep();
    const previous = this.#entries.get(key);
    if (previous) this.#delete(key, previous);
    const entry: Entry = { reply, expiresAt: this.#now() + ttlMs, bytes: ENTRY_OVERHEAD_BYTES + 2 * key.length + (reply?.byteLength ?? 0) };
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    while (this.#entries.size > this.#maxReplies || (this.#bytes > this.#maxBytes && this.#entries.size > 1)) {
      const [oldest, first] = this.#entries.entries().next().value as [string, Entry];
      this.#delete(oldest, first);
    }
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  /** Drops expired entries from the oldest end (amortised O(1) per insert). */
  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#delete(key, entry);
    }
  }
}
