/**
 * @module admin/server/sessions
 * Admin sessions: the password check (constant time), and session tokens that any node of the
 * cluster configured with the same credentials accepts — `<payload>.<HMAC-SHA256>` with the
 * user, the expiry and a random id, keyed by the credentials (changing them ends every session).
 * A logout revokes the token's id until it would have expired.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionInfo } from '../shared/protocol.js';
import type { ResolvedAdminOptions } from './options.js';

/** The user of a session opened with the password. */
export const PASSWORD_USER = 'admin';

interface Payload {
  /** user */
  u: string;
  /** expires at, ms since the epoch */
  e: number;
  /** random id (what a logout revokes) */
  n: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class AdminSessions {
  readonly #options: ResolvedAdminOptions;
  readonly #now: () => number;
  readonly #key: Buffer;
  readonly #passwordDigest: Buffer | undefined;
  /** Revoked session ids and when they would have expired. */
  readonly #revoked = new Map<string, number>();

  constructor(options: ResolvedAdminOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
    this.#key = createHmac('sha256', 'relais admin session v1')
      .update(`${options.password ?? ''}\0${options.jwtSecret ?? ''}`)
      .digest();
    this.#passwordDigest = options.password === undefined ? undefined : digest(options.password);
  }

  /** Whether `given` is the admin password, in time independent of where they differ (digests of equal length). */
  checkPassword(given: string): boolean {
    if (this.#passwordDigest === undefined) return false;
    return timingSafeEqual(digest(given), this.#passwordDigest);
  }

  /** Opens a session for `user`, ending after the TTL or at `notAfter` (a token's expiry), whichever is first. */
  issue(user: string, notAfter = Infinity): { token: string; session: SessionInfo } {
    const expiresAt = Math.min(this.#now() + this.#options.sessionTtlMs, notAfter);
    const payload: Payload = { u: user, e: expiresAt, n: randomBytes(16).toString('base64url') };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.#sign(body)}`, session: { user, expiresAt } };
  }

  /** The session of `token`; undefined when it is missing, forged, expired or revoked. */
  verify(token: string | undefined): SessionInfo | undefined {
    const payload = this.#payload(token);
    if (!payload || payload.e <= this.#now() || this.#revoked.has(payload.n)) return undefined;
    return { user: payload.u, expiresAt: payload.e };
  }

  /** Ends the session of `token` on this node; returns its id and expiry to revoke it on the others. */
  revoke(token: string | undefined): { id: string; expiresAt: number } | undefined {
    const payload = this.#payload(token);
    if (!payload) return undefined;
    this.revokeId(payload.n, payload.e);
    return { id: payload.n, expiresAt: payload.e };
  }

  /** Revokes session id `id` until `expiresAt` (a logout on another node). */
  revokeId(id: string, expiresAt: number): void {
    const now = this.#now();
    for (const [revoked, until] of this.#revoked) if (until <= now) this.#revoked.delete(revoked);
    if (expiresAt > now) this.#revoked.set(id, expiresAt);
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }

  #payload(token: string | undefined): Payload | undefined {
    if (typeof token !== 'string' || token.length > 1_000) return undefined;
    const dot = token.indexOf('.');
    if (dot < 1) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      if (typeof payload.u !== 'string' || typeof payload.e !== 'number' || typeof payload.n !== 'string') return undefined;
      return payload;
    } catch {
      return undefined;
    }
  }
}
