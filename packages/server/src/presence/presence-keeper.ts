/**
 * @module presence/presence-keeper
 * Keeps this node's presence entries alive in the PresenceStore: adds one per (channel,
 * client) on subscribe, refreshes every entry each ttlMs / 3, removes it on leave.
 */
import type { ClientInfo } from '@relais/protocol';
import type { Logger } from '../logger.js';
import type { PresenceStore } from '../presence.js';

export class PresenceKeeper {
  readonly store: PresenceStore;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  /** Entries this node owns, by `channel \0 client`. */
  readonly #entries = new Map<string, { channel: string; info: ClientInfo }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(store: PresenceStore, ttlMs: number, logger: Logger) {
    this.store = store;
    this.#ttlMs = ttlMs;
    this.#logger = logger;
  }

  /** Entries this node keeps alive (for tests and stats). */
  get size(): number {
    return this.#entries.size;
  }

  /** Adds `info.client` to `channel`; resolves once the store has it. */
  async join(channel: string, info: ClientInfo): Promise<void> {
    const key = keyOf(channel, info.client);
    this.#entries.set(key, { channel, info });
    await this.store.add(channel, info, this.#ttlMs);
    // A leave that ran while the add was in flight removed nothing: remove again.
    if (!this.#entries.has(key)) await this.store.remove(channel, info.client);
  }

  /** Removes `client` from `channel` (no-op when it is not there). Never rejects. */
  leave(channel: string, client: string): void {
    if (!this.#entries.delete(keyOf(channel, client))) return;
    this.store.remove(channel, client).catch((error: unknown) => {
      this.#logger.error({ err: error, channel }, 'presence remove failed; the entry will expire');
    });
  }

  /** Starts refreshing every ttlMs / 3. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.refresh(), Math.max(1, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Refreshes every entry of this node once. */
  refresh(): void {
    for (const { channel, info } of this.#entries.values()) {
      this.store.add(channel, info, this.#ttlMs).catch((error: unknown) => {
        this.#logger.error({ err: error, channel }, 'presence refresh failed');
      });
    }
  }
}

function keyOf(channel: string, client: string): string {
  return `${channel}\u0000${client}`;
}
