/**
 * @module memory/idempotency-cache
 * Remembers publish results by idempotency key for a TTL, bounded three ways: keys in all,
 * approximate bytes in all, and keys per owner (the connection that published), the oldest
 * going first in each case.
 */
import type { PublishResult } from '@relais/protocol';
import type { IdempotencyOwner } from '../broker.js';

/** Keys kept at most; the oldest go first when full. */
export const DEFAULT_MAX_IDEMPOTENCY_KEYS = 100_000;
/** Approximate heap bytes the kept keys may take; the oldest go first past it. */
export const DEFAULT_MAX_IDEMPOTENCY_BYTES = 64 * 1024 * 1024;

/**
 * What one entry costs in the heap beyond its key's characters: the Map slot, the entry and
 * result objects, the key string's header (measured: ~650 bytes for a 48-character key).
 */
const ENTRY_OVERHEAD_BYTES = 550;

/** Approximate heap bytes of an entry under `key` (UTF-16, 2 bytes a character at most). */
export function idempotencyEntryBytes(key: string): number {
  return ENTRY_OVERHEAD_BYTES + 2 * key.length;
}

interface Entry {
  result: PublishResult;
  expiresAt: number;
  bytes: number;
  owner: string | undefined;
}

export interface IdempotencyCacheOptions {
  /** @default DEFAULT_MAX_IDEMPOTENCY_KEYS */
  maxKeys?: number;
  /** @default DEFAULT_MAX_IDEMPOTENCY_BYTES */
  maxBytes?: number;
}

export class IdempotencyCache {
  // Map keeps insertion order: the first entries are the oldest.
  readonly #entries = new Map<string, Entry>();
  /** Keys of each owner, oldest first (a key may have been dropped or taken over since). */
  readonly #owners = new Map<string, string[]>();
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(
    now: () => number,
    { maxKeys = DEFAULT_MAX_IDEMPOTENCY_KEYS, maxBytes = DEFAULT_MAX_IDEMPOTENCY_BYTES }: IdempotencyCacheOptions = {},
  ) {
    this.#now = now;
    this.#maxKeys = maxKeys;
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Approximate heap bytes of the kept entries. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Owners with at least one key recorded (for tests: closed connections do not stay). */
  get owners(): number {
    return this.#owners.size;
  }

  /** The result stored under `key`, when it has not expired. */
  get(key: string): PublishResult | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#delete(key, entry);
      return undefined;
    }
    return entry.result;
  }

  set(key: string, result: PublishResult, ttlMs: number, owner?: IdempotencyOwner): void {
    this.#sweep();
    const previous = this.#entries.get(key);
    if (previous) this.#delete(key, previous);
    const entry: Entry = { result, expiresAt: this.#now() + ttlMs, bytes: idempotencyEntryBytes(key), owner: owner?.id };
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    if (owner) this.#own(owner, key);
    while (this.#entries.size > this.#maxKeys || this.#bytes > this.#maxBytes) {
      const [oldest, first] = this.#entries.entries().next().value as [string, Entry];
      this.#delete(oldest, first);
    }
  }

  /** Records `key` under its owner and forgets the owner's oldest keys past its allowance. */
  #own(owner: IdempotencyOwner, key: string): void {
    let keys = this.#owners.get(owner.id);
    if (!keys) this.#owners.set(owner.id, (keys = []));
    keys.push(key);
    while (keys.length > owner.maxKeys) {
      const oldest = keys.shift() as string;
      const entry = this.#entries.get(oldest);
      if (entry?.owner === owner.id) this.#delete(oldest, entry, false);
    }
  }

  /** `fromOwner` false: the caller already took the key off its owner's list. */
  #delete(key: string, entry: Entry, fromOwner = true): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    if (entry.owner === undefined || !fromOwner) return;
    const keys = this.#owners.get(entry.owner);
    if (!keys) return;
    // Entries go in insertion order, so a dropped entry is almost always its owner's oldest.
    const at = keys[0] === key ? 0 : keys.indexOf(key);
    if (at !== -1) keys.splice(at, 1);
    if (keys.length === 0) this.#owners.delete(entry.owner);
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
