/**
 * @module auth/session-auth
 * Connection-token state of one connection: the claims of its connection token, and the timer
 * that ends the connection (3005) when the token expires without being refreshed. Subscription
 * tokens are watched per channel by the session's channels (session-channels).
 */
import { ExpiryTimer } from './expiry-timer.js';
import type { TokenClaims } from './verifier.js';

export class SessionAuth {
  /** Claims of the connection token; undefined when the node verified none. */
  claims: TokenClaims | undefined;
  readonly #now: () => number;
  // Created on first use: a connection without a token keeps none (~100 bytes saved each).
  #connection: ExpiryTimer | undefined;
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

  /** The clock deadlines are read against (ms since the epoch). */
  now(): number {
    return this.#now();
  }

  /** Milliseconds until `expiresAt`, for results (never negative). */
  remainingMs(expiresAt: number): number {
    return Math.max(0, Math.round(expiresAt - this.#now()));
  }

  /** The connection closed: stop the timer for good. */
  stop(): void {
    this.#stopped = true;
    this.#connection?.stop();
  }
}
