/**
 * @module token
 * The connection token: a fixed `token`, refreshed through `getToken()` when absent or expired.
 */
import { TokenError } from './errors.js';

export class TokenSource {
  #token: string | undefined;
  #expired = false;
  readonly #getToken: (() => string | Promise<string>) | undefined;
  readonly #log: (message: string) => void;

  constructor(token: string | undefined, getToken: (() => string | Promise<string>) | undefined, log: (message: string) => void) {
    this.#token = token;
    this.#getToken = getToken;
    this.#log = log;
  }

  /** The server said the token expired (close 3005, connect reply 109): fetch a new one next time. */
  expire(): void {
    this.#expired = true;
  }

  /** Whether getToken was given (tokens can be renewed). */
  get renewable(): boolean {
    return this.#getToken !== undefined;
  }

  /** A new token from getToken, for an in-band refresh; it is also used by later connects. */
  async fresh(): Promise<string> {
    if (!this.#getToken) throw new TokenError('no getToken option to renew the token with');
    this.#log('token expires soon: calling getToken');
    const token = await this.#getToken();
    if (typeof token !== 'string') throw new TokenError(`getToken must return a string, got ${typeof token}`);
    this.#token = token;
    this.#expired = false;
    return token;
  }

  /** The token for the next connect; calls getToken when there is none or it expired. */
  async get(): Promise<string | undefined> {
    const getToken = this.#getToken;
    if (!getToken || (this.#token !== undefined && !this.#expired)) return this.#token;
    this.#log(this.#expired ? 'token expired: calling getToken' : 'calling getToken');
    const token = await getToken();
    if (typeof token !== 'string') throw new TokenError(`getToken must return a string, got ${typeof token}`);
    this.#token = token;
    this.#expired = false;
    return token;
  }
}
