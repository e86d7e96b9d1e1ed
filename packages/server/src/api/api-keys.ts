/**
 * @module api/api-keys
 * The keys of the server API and the check of a request's key: `Authorization: apikey <key>`
 * or `X-API-Key: <key>`, compared with every configured key in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The key a request carries, or undefined: `Authorization: apikey <key>` (scheme in any case),
 * else `X-API-Key` (so that an Authorization header of another scheme, e.g. added by a proxy,
 * does not hide it).
 */
export function requestKey(headers: IncomingHttpHeaders): string | undefined {
  const match = /^apikey\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (match) return match[1];
  const header = headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  return key === undefined || key === '' ? undefined : key.trim();
}

/** Checks keys without leaking, by timing, how much of a key was right or which key matched. */
export class ApiKeys {
  readonly #digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /**
   * Whether `key` is one of the keys. Both sides are hashed first, so that the comparison
   * (crypto.timingSafeEqual) runs on equal lengths, and every key is compared, a match or not.
   */
  accepts(key: string | undefined): boolean {
    if (key === undefined) return false;
    const given = digest(key);
    let match = false;
    for (const known of this.#digests) match = timingSafeEqual(given, known) || match;
    return match;
  }
}
