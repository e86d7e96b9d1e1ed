/**
 * @module refresh
 * Renews a token before it expires: the server says in how many ms (`expiresInMs` of a connect
 * or subscribe result), and the refresher fetches a new token and sends it in band (`refresh`,
 * `sub_refresh`) ahead of that deadline, then again for the new token's expiry.
 */
import type { RefreshResult } from '@relais/protocol';
import { RelaisError, ServerError, TokenError } from './errors.js';
import { Timeout, type Timers } from './timer.js';

/** Retries of a failed refresh stop when less than this is left: the server's close takes over. */
const MIN_RETRY_WINDOW_MS = 1_000;

export interface RefreshActions {
  /** A fresh token (calls the app's getToken). */
  getToken(): Promise<string>;
  /** Sends it; resolves with the server's answer. */
  send(token: string): Promise<RefreshResult>;
  /** Reports a failure (getToken threw, the server refused). */
  error(error: RelaisError): void;
  log(message: string): void;
}

/** Delay before refreshing a token that expires in `expiresInMs`: `marginMs` ahead, or halfway for short tokens. */
export function refreshDelayMs(expiresInMs: number, marginMs: number): number {
  return expiresInMs > 2 * marginMs ? expiresInMs - marginMs : Math.floor(expiresInMs / 2);
}

export class TokenRefresher {
  readonly #timers: Timers;
  readonly #marginMs: number;
  readonly #actions: RefreshActions;
  readonly #timer: Timeout;
  #deadline = 0;
  #generation = 0;

  constructor(timers: Timers, marginMs: number, actions: RefreshActions) {
    this.#timers = timers;
    this.#marginMs = marginMs;
    this.#actions = actions;
    this.#timer = new Timeout(timers);
  }

  /** Plans the refresh of a token expiring in `expiresInMs` (undefined: it never expires). */
  schedule(expiresInMs: number | undefined): void {
    this.stop();
    if (expiresInMs === undefined || !(expiresInMs >= 0)) return;
    this.#deadline = this.#timers.now() + expiresInMs;
    const generation = this.#generation;
    this.#timer.start(refreshDelayMs(expiresInMs, this.#marginMs), () => void this.#refresh(generation));
  }

  /** Cancels the planned refresh, and ignores the answer of one in flight. */
  stop(): void {
    this.#generation++;
    this.#timer.stop();
  }

  async #refresh(generation: number): Promise<void> {
    this.#actions.log('refreshing token');
    let result: RefreshResult;
    try {
      const token = await this.#actions.getToken();
      if (generation !== this.#generation) return;
      result = await this.#actions.send(token);
    } catch (cause) {
      if (generation !== this.#generation) return;
      this.#failed(generation, cause);
      return;
    }
    if (generation !== this.#generation) return;
    this.schedule(result?.expiresInMs);
  }

  #failed(generation: number, cause: unknown): void {
    // A lost connection is not a refresh failure: the next connection starts over.
    if (cause instanceof RelaisError && cause.code === 'RELAIS_ERR_CONNECTION_LOST') return;
    const error = cause instanceof RelaisError ? cause : new TokenError(`getToken failed: ${String(cause)}`, { cause });
    this.#actions.error(error);
    // A server without refresh (104, 108) or one that refused the token will not change its mind.
    if (error instanceof ServerError && !error.temporary) return;
    const leftMs = this.#deadline - this.#timers.now();
    if (leftMs < MIN_RETRY_WINDOW_MS) return;
    this.#timer.start(Math.floor(leftMs / 2), () => void this.#refresh(generation));
  }
}
