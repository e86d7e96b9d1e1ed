/**
 * @module memory/memory-presence-store
 * MemoryPresenceStore: the default PresenceStore, entries in process memory with expiry.
 */
import type { ClientInfo } from '@relais/protocol';
import type { PresenceStats, PresenceStore } from '../presence.js';
import { MemoryBus, type PresenceEntry } from './memory-bus.js';

export interface MemoryPresenceStoreOptions {
  /** Backend shared with other stores (in-process cluster). @default a private bus */
  bus?: MemoryBus;
  /** Clock for expiry, in ms. @default Date.now */
  now?: () => number;
}

/**
 * Expired entries are dropped when their channel is read or written, so memory stays bounded
 * by the live entries plus those of channels nobody touched since they expired.
 * @example const presence = new MemoryPresenceStore(); await presence.add('chat:a', info, 60_000);
 */
export class MemoryPresenceStore implements PresenceStore {
  readonly #channels: Map<string, Map<string, PresenceEntry>>;
  readonly #now: () => number;
  #closed = false;

  constructor(options: MemoryPresenceStoreOptions = {}) {
    this.#channels = (options.bus ?? new MemoryBus()).presenceEntries;
    this.#now = options.now ?? Date.now;
  }

  async add(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.#check();
    let entries = this.#live(channel);
    if (!entries) this.#channels.set(channel, (entries = new Map()));
    entries.set(info.client, { info: { ...info }, expiresAt: this.#now() + ttlMs });
  }

  async remove(channel: string, client: string): Promise<void> {
    this.#check();
    const entries = this.#channels.get(channel);
    if (!entries) return;
    entries.delete(client);
    if (entries.size === 0) this.#channels.delete(channel);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.#check();
    const result: Record<string, ClientInfo> = {};
    for (const [client, entry] of this.#live(channel) ?? []) result[client] = { ...entry.info };
    return result;
  }

  async stats(channel: string): Promise<PresenceStats> {
    this.#check();
    const entries = this.#live(channel);
    if (!entries) return { clients: 0, users: 0 };
    const users = new Set<string>();
    for (const entry of entries.values()) users.add(entry.info.user);
    return { clients: entries.size, users: users.size };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The channel's entries with expired ones dropped; undefined when none is left. */
  #live(channel: string): Map<string, PresenceEntry> | undefined {
    const entries = this.#channels.get(channel);
    if (!entries) return undefined;
    const now = this.#now();
    for (const [client, entry] of entries) if (entry.expiresAt <= now) entries.delete(client);
    if (entries.size > 0) return entries;
    this.#channels.delete(channel);
    return undefined;
  }

  #check(): void {
    if (this.#closed) throw new Error('MemoryPresenceStore is closed');
  }
}
