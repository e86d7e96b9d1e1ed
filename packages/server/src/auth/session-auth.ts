/**
 * @module auth/session-auth
 * Token state of one connection: the claims of its connection token, and the timers that end
 * the connection (3005) or a subscription (unsubscribe push 109) when a token expires without
 * being refreshed. Uses the global setTimeout (fake-timer friendly); timers are unref()'d.
 */
import { MAX_TIMER_MS } from '../option-checks.js';
import type { TokenClaims } from './verifier.js';


class ExpiryTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Calls `expired` at `expiresAt` (ms since the epoch, as `now`); replaces any earlier one. */
  start(expiresAt: number, now: () => number, expired: () => void): void {
    this.stop();
    const delay = Math.max(0, expiresAt - now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (delay > MAX_TIMER_MS) this.start(expiresAt, now, expired);
      else expired();
    }, Math.min(delay, MAX_TIMER_MS));
    this.#timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export class SessionAuth {
  /** Claims of the connection token; undefined when the node verified none. */
  claims: TokenClaims | undefined;
  readonly #now: () => number;
  // Created on first use: a connection without tokens keeps neither (~200 bytes saved each).
  #connection: ExpiryTimer | undefined;
  #channels: Map<string, ExpiryTimer> | undefined;
  #stopped = false;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Watches the connection token: `expired` runs at `expiresAt` unless refreshed. */
  watchConnection(expiresAt: number | undefined, expired: () => void): void {
    if (this.#stopped) return;
    if (expiresAt === undefined) this.#connection?.stop();
    else (this.#connection ??= new ExpiryTimer()).start(expiresAt, this.#now, expired);
  }

  /** Whether `channel` is held with a subscription token (so `sub_refresh` applies). */
  hasChannelToken(channel: string): boolean {
    return this.#channels?.has(channel) ?? false;
  }

  /** Watches a subscription token; `expired` runs at `expiresAt` (never when undefined). */
  watchChannel(channel: string, expiresAt: number | undefined, expired: () => void): void {
    if (this.#stopped) return;
    const channels = (this.#channels ??= new Map());
    let timer = channels.get(channel);
    if (!timer) {
      timer = new ExpiryTimer();
      channels.set(channel, timer);
    }
    if (expiresAt === undefined) timer.stop();
    else timer.start(expiresAt, this.#now, () => {
      channels.delete(channel);
      expired();
    });
  }

  /** The channel was released: forget its token. */
  unwatchChannel(channel: string): void {
    this.#channels?.get(channel)?.stop();
    this.#channels?.delete(channel);
  }

  /** Milliseconds until `expiresAt`, for results (never negative). */
  remainingMs(expiresAt: number): number {
    return Math.max(0, Math.round(expiresAt - this.#now()));
  }

  /** The connection closed: stop every timer for good. */
  stop(): void {
    this.#stopped = true;
    this.#connection?.stop();
    for (const timer of this.#channels?.values() ?? []) timer.stop();
    this.#channels = undefined;
  }
}
