/**
 * @module presence
 * The PresenceStore role: who is subscribed to a channel, across every node of a cluster.
 */
import type { ClientInfo } from '@relais/protocol';

export interface PresenceStats {
  /** Connections present. */
  clients: number;
  /** Distinct user ids present; anonymous connections (user `''`) count as one user. */
  users: number;
}

/**
 * Contract for implementers (checked by `runPresenceSuite` from `@relais/server/testkit`):
 * - Entries are keyed by channel and client id; every store of one backend sees the same ones.
 * - `add` inserts or refreshes an entry; an entry not refreshed within `ttlMs` expires, so a
 *   crashed node's clients disappear. The node refreshes its entries every ttlMs / 3.
 * - `presence` and `stats` never report an expired entry.
 * - `remove` of an absent entry is a no-op. `close` is idempotent; calls after close reject.
 */
export interface PresenceStore {
  /** Adds or refreshes `info.client` in `channel`, for `ttlMs`. */
  add(channel: string, info: ClientInfo, ttlMs: number): Promise<void>;
  remove(channel: string, client: string): Promise<void>;
  /** Current entries keyed by client id (expired ones never appear). */
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  stats(channel: string): Promise<PresenceStats>;
  close(): Promise<void>;
}
