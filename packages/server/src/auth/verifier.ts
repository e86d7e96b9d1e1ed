/**
 * @module auth/verifier
 * Verifies connection and subscription JWTs with `jose`: an HMAC secret, a PEM public key
 * (RSA, EC, Ed25519) or a remote JWKS (fetched on demand, cached). Algorithms are pinned to
 * the key's family, so `alg: none` and HS/RS confusion never verify.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ASYMMETRIC_ALGORITHMS, EC_ALGORITHMS, HMAC_ALGORITHMS, RSA_ALGORITHMS, type ResolvedAuthOptions } from './options.js';
import { isWellFormed } from '@relais/protocol';
import { OptionsError } from '../option-checks.js';

/** Claims of a verified token. `sub` is the user id. */
export type TokenClaims = JWTPayload & Record<string, unknown>;

/** A verified token. */
export interface VerifiedToken {
  /** The `sub` claim; '' when absent. */
  user: string;
  claims: TokenClaims;
  /** When the token expires (ms since the epoch, from `exp`); undefined when it has no `exp`. */
  expiresAt: number | undefined;
}

/** Why a token was refused: `expired` (a fresh one may work) or `invalid`. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  readonly reason: 'expired' | 'invalid';

  constructor(reason: 'expired' | 'invalid', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** What a subscription token must also satisfy. */
export interface ChannelExpectation {
  channel: string;
  /** The connection's user: the token's `sub` must be the same ('' matches an absent `sub`). */
  user: string;
  /** The connection's client id: a token with a `client` claim is valid for that connection only. */
  client?: string;
}

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return [...RSA_ALGORITHMS];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const byCurve: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
      const alg = curve ? byCurve[curve] : undefined;
      return alg ? [alg] : [...EC_ALGORITHMS];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new OptionsError(`option auth.publicKey: unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

export class TokenVerifier {
  readonly options: ResolvedAuthOptions;
  readonly #key: Key;
  readonly #algorithms: string[];
  readonly #now: () => number;

  /** `now` is the clock expiry is checked against (ms since the epoch). */
  constructor(options: ResolvedAuthOptions, now: () => number = Date.now) {
    this.options = options;
    this.#now = now;
    if (options.hmacSecret !== undefined) {
      this.#key = new TextEncoder().encode(options.hmacSecret);
      this.#algorithms = options.algorithms ?? [...HMAC_ALGORITHMS];
    } else if (options.publicKey !== undefined) {
      let key: KeyObject;
      try {
        key = createPublicKey(options.publicKey);
      } catch (cause) {
        throw new OptionsError(`option auth.publicKey is not a readable PEM public key: ${(cause as Error).message}`, { cause });
      }
      this.#key = key;
      this.#algorithms = options.algorithms ?? algorithmsOf(key);
    } else {
      this.#key = createRemoteJWKSet(new URL(options.jwksUrl!), {
        cacheMaxAge: options.jwksCacheMaxAgeMs,
        cooldownDuration: options.jwksCooldownMs,
        timeoutDuration: options.jwksTimeoutMs,
      });
      this.#algorithms = options.algorithms ?? [...ASYMMETRIC_ALGORITHMS];
    }
  }

  /**
   * Verifies `token`: signature, algorithm, `exp`/`nbf`, `aud` and `iss` when configured, and for
   * subscription tokens (`expect` given) the `channel` and `sub` claims. A connection token
   * (no `expect`) must not carry a `channel` claim. Throws TokenRejectedError.
   */
  async verify(token: string, expect?: ChannelExpectation): Promise<VerifiedToken> {
    const { audience, issuer, clockToleranceMs } = this.options;
    const verifyOptions: JWTVerifyOptions = {
      algorithms: this.#algorithms,
      currentDate: new Date(this.#now()),
      clockTolerance: clockToleranceMs / 1000,
    };
    if (audience !== undefined) verifyOptions.audience = audience;
    if (issuer !== undefined) verifyOptions.issuer = issuer;
    let claims: TokenClaims;
    try {
      // jwtVerify accepts a key or a key resolver; the overloads do not take the union.
      const { payload } = await jwtVerify(token, this.#key as Uint8Array, verifyOptions);
      claims = payload as TokenClaims;
    } catch (cause) {
      if (cause instanceof errors.JWTExpired) throw new TokenRejectedError('expired', 'token expired', { cause });
      const detail = cause instanceof errors.JOSEError ? `${cause.code}: ${cause.message}` : String(cause);
      throw new TokenRejectedError('invalid', `invalid token (${detail})`, { cause });
    }
    if (claims.sub !== undefined && typeof claims.sub !== 'string')
      throw new TokenRejectedError('invalid', 'invalid token (sub must be a string)');
    // The user id travels to every encoding and becomes engine keys (a lone surrogate would
    // turn into U+FFFD there, and two users into one).
    if (claims.sub !== undefined && !isWellFormed(claims.sub))
      throw new TokenRejectedError('invalid', 'invalid token (sub must be well-formed Unicode)');
    const user = claims.sub ?? '';
    if (expect) {
      if (claims.channel !== expect.channel) throw new TokenRejectedError('invalid', 'subscription token is for another channel');
      if (user !== expect.user) throw new TokenRejectedError('invalid', 'subscription token is for another user');
      if (claims.client !== undefined && claims.client !== expect.client)
        throw new TokenRejectedError('invalid', 'subscription token is for another connection');
    } else if (claims.channel !== undefined) {
      // The two kinds are told apart by the claim: a subscription token grants one channel,
      // and must never open (or refresh) a connection of its user.
      throw new TokenRejectedError('invalid', 'a subscription token (with a channel claim) is not a connection token');
    }
    return { user, claims, expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined };
  }
}
