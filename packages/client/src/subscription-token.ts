/**
 * @module subscription-token
 * A subscription's token: the one given, or the one its `getToken` returns (before the first
 * subscribe without one, after the server says it expired), renewed in band with `sub_refresh`
 * before it expires.
 */
import type { RefreshResult } from '@relais/protocol';
import type { RelaisError } from './errors.js';
import { TokenError } from './errors.js';
import { TokenRefresher } from './refresh.js';
import type { SubscribeOptions } from './subscription-types.js';
import type { Timers } from './timer.js';

/** What the token needs from the client. */
export interface SubscriptionTokenHost {
  readonly timers: Timers;
  readonly refreshMarginMs: number;
  subRefreshCommand(channel: string, token: string): Promise<RefreshResult>;
  log(message: string): void;
}

export class SubscriptionToken {
  readonly #channel: string;
  readonly #getToken: ((channel: string) => string | Promise<string>) | undefined;
  readonly #refresher: TokenRefresher;
  #value: string | undefined;

  /** `options`: the subscribe options' token and getToken; `error` reports a failed renewal. */
  constructor(
    channel: string,
    options: Pick<SubscribeOptions, 'token' | 'getToken'>,
    host: SubscriptionTokenHost,
    error: (error: RelaisError) => void,
  ) {
    this.#channel = channel;
    this.#value = options.token;
    this.#getToken = options.getToken;
    this.#refresher = new TokenRefresher(host.timers, host.refreshMarginMs, {
      getToken: () => this.#fetch(),
      send: (token) => host.subRefreshCommand(channel, token),
      error,
      log: (message) => host.log(`subscription ${channel}: ${message}`),
    });
  }

  /** The token to subscribe with, if any. */
  get value(): string | undefined {
    return this.#value;
  }

  /** Whether `getToken` can renew it. */
  get renewable(): boolean {
    return this.#getToken !== undefined;
  }

  /** A fresh token from `getToken`; rejects with a TokenError when it fails. */
  async renew(): Promise<void> {
    try {
      await this.#fetch();
    } catch (cause) {
      if (cause instanceof TokenError) throw cause;
      throw new TokenError(`subscription token for ${this.#channel}: ${String(cause)}`, { cause });
    }
  }

  /** Subscribed: renew ahead of the expiry the server gave (when renewable). */
  subscribed(expiresInMs: number | undefined): void {
    if (this.renewable) this.#refresher.schedule(expiresInMs);
  }

  stop(): void {
    this.#refresher.stop();
  }

  async #fetch(): Promise<string> {
    const token = await this.#getToken!(this.#channel);
    if (typeof token !== 'string') throw new TokenError(`subscription token for ${this.#channel}: getToken must return a string`);
    this.#value = token;
    return token;
  }
}
