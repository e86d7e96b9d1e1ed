/**
 * @module outbox/store
 * The role a durable outbox's storage plays, and the in-memory one (tests, Node processes that
 * only need the retry semantics).
 */

/** A durable publish, as stored until the server acknowledges it. */
export interface OutboxEntry {
  /** Absent in entries written before durable RPCs. */
  kind?: 'publish';
  /** The publish's idempotency key; also the entry's id. */
  key: string;
  channel: string;
  data: unknown;
  event?: string;
  excludeSelf?: boolean;
  /** When it was first written, in ms since the epoch (the outbox's clock). */
  createdAt: number;
}

/** A durable RPC, as stored until the server answers it. */
export interface OutboxRpcEntry {
  kind: 'rpc';
  /** The call's idempotency key; also the entry's id. */
  key: string;
  method: string;
  data?: unknown;
  /** When it was first written, in ms since the epoch (the outbox's clock). */
  createdAt: number;
}

/** What an outbox store keeps: durable publishes and durable RPCs. */
export type OutboxRecord = OutboxEntry | OutboxRpcEntry;

/**
 * Where entries wait. Contract: `put` has completed (the entry survives a crash from then on)
 * when its promise resolves; `put` of an existing key replaces it; `delete` of a missing key is
 * a no-op; `list` returns every entry, oldest `createdAt` first (ties in insertion order).
 */
export interface OutboxStore {
  put(entry: OutboxRecord): Promise<void>;
  delete(key: string): Promise<void>;
  list(): Promise<OutboxRecord[]>;
  /** Releases the storage (database handle); optional. */
  close?(): void;
}

/** Entries in a Map: survives nothing but a lost connection. */
export class MemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, OutboxRecord>();

  put(entry: OutboxRecord): Promise<void> {
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, structuredClone(entry));
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  list(): Promise<OutboxRecord[]> {
    return Promise.resolve(sortEntries([...this.#entries.values()].map((e) => structuredClone(e))));
  }
}

/** Oldest first; a stable sort keeps insertion order among equal times. */
export function sortEntries(entries: OutboxRecord[]): OutboxRecord[] {
  return entries.sort((a, b) => a.createdAt - b.createdAt);
}
