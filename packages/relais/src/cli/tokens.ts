/**
 * @module cli/tokens
 * `relais tokens connect|subscribe|verify`: signs connection and subscription JWTs with the key
 * of the node's config (the same file and environment as `relais serve`), and verifies a token
 * as the node would.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { TokenRejectedError, TokenVerifier, resolveAuthOptions, type ResolvedAuthOptions } from '@relais/server';
import { UsageError } from './args.js';
import { resolveServeConfig } from './config.js';
import {
  parseDuration,
  parseTokenArgs,
  type ConnectTokenArgs,
  type SubscribeTokenArgs,
  type TokenArgs,
  type VerifyTokenArgs,
} from './tokens-args.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where `relais tokens` writes; injectable for tests. */
export interface TokensIo {
  env: Env;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const DEFAULT_TOKEN_TTL = '1h';

/** The `auth` option of the config, with the environment applied, or a UsageError saying how to set one. */
async function authOf(args: TokenArgs, env: Env): Promise<ResolvedAuthOptions> {
  const config = await resolveServeConfig({ command: 'serve', ...(args.config !== undefined && { config: args.config }) }, env);
  const auth = config.options.auth;
  if (auth === undefined) {
    throw new UsageError(
      'no auth key configured: set auth.hmacSecret (or publicKey, jwksUrl) in the config file (-c), or RELAIS_AUTH_HMAC_SECRET',
    );
  }
  return resolveAuthOptions(auth);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The algorithm a private key signs with, among those the node accepts. */
function algorithmOf(key: KeyObject, accepted: string[] | undefined): string {
  let family: string[];
  switch (key.asymmetricKeyType) {
    case 'rsa':
      family = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
      break;
    case 'rsa-pss':
      family = ['PS256', 'PS384', 'PS512'];
      break;
    case 'ec': {
      const byCurve: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
      const alg = byCurve[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!alg) throw new UsageError(`unsupported EC curve ${String(key.asymmetricKeyDetails?.namedCurve)}`);
      family = [alg];
      break;
    }
    case 'ed25519':
      family = ['EdDSA'];
      break;
    default:
      throw new UsageError(`unsupported private key type ${String(key.asymmetricKeyType)}`);
  }
  const alg = accepted ? family.find((name) => accepted.includes(name)) : family[0];
  if (!alg) throw new UsageError(`the node accepts ${accepted!.join(', ')}, which this ${key.asymmetricKeyType} key cannot sign`);
  return alg;
}

/** The signing key: the private key file (--private-key, RELAIS_AUTH_PRIVATE_KEY_FILE), else the HMAC secret. */
async function signingKey(args: TokenArgs, env: Env, auth: ResolvedAuthOptions): Promise<{ key: KeyObject | Uint8Array; alg: string }> {
  const file = args.privateKey ?? (env.RELAIS_AUTH_PRIVATE_KEY_FILE || undefined);
  if (file !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey(await readFile(file, 'utf8'));
    } catch (cause) {
      throw new UsageError(`cannot read the private key ${file}: ${(cause as Error).message}`, { cause });
    }
    return { key, alg: algorithmOf(key, auth.algorithms) };
  }
  if (auth.hmacSecret === undefined) {
    throw new UsageError(
      'the node verifies tokens with a public key: sign with its private key (--private-key or RELAIS_AUTH_PRIVATE_KEY_FILE)',
    );
  }
  return { key: new TextEncoder().encode(auth.hmacSecret), alg: auth.algorithms?.[0] ?? 'HS256' };
}

/** The claims of the token `args` asks for. */
export function claimsOf(args: ConnectTokenArgs | SubscribeTokenArgs): JWTPayload {
  const claims: JWTPayload = { ...args.claims };
  if (args.sub !== undefined) claims.sub = args.sub;
  if (args.kind === 'connect') {
    if (args.info !== undefined) claims.info = args.info;
    if (args.channels !== undefined) claims.channels = args.channels;
  } else {
    claims.channel = args.channel;
    if (args.client !== undefined) claims.client = args.client;
  }
  return claims;
}

async function sign(args: ConnectTokenArgs | SubscribeTokenArgs, io: TokensIo): Promise<number> {
  const auth = await authOf(args, io.env);
  const { key, alg } = await signingKey(args, io.env, auth);
  const ttlS = Math.ceil(parseDuration(args.ttl ?? DEFAULT_TOKEN_TTL, '--ttl') / 1000);
  const jwt = new SignJWT(claimsOf(args)).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime(`${ttlS}s`);
  const audience = first(auth.audience);
  const issuer = first(auth.issuer);
  if (audience !== undefined) jwt.setAudience(audience);
  if (issuer !== undefined) jwt.setIssuer(issuer);
  io.out(`${await jwt.sign(key)}\n`);
  return 0;
}

async function verify(args: VerifyTokenArgs, io: TokensIo): Promise<number> {
  const verifier = new TokenVerifier(await authOf(args, io.env));
  try {
    // A subscription token (with a channel claim) is checked for the channel, user and
    // connection given, by default the ones it names itself.
    let claimed: JWTPayload = {};
    try {
      claimed = decodeJwt(args.token);
    } catch {
      // Not even a JWT: verify() says why.
    }
    const channel = args.channel ?? (typeof claimed.channel === 'string' ? claimed.channel : undefined);
    const client = args.client ?? (typeof claimed.client === 'string' ? claimed.client : undefined);
    const user = args.sub ?? (typeof claimed.sub === 'string' ? claimed.sub : '');
    const expect = channel === undefined ? undefined : { channel, user, ...(client !== undefined && { client }) };
    const { claims } = await verifier.verify(args.token, expect);
    io.out(`${JSON.stringify(claims, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof TokenRejectedError)) throw error;
    io.err(`relais: token refused: ${error.message}\n`);
    return 1;
  }
}

/** Runs `relais tokens …` (argv after `tokens`); resolves with the exit status. */
export async function runTokens(argv: readonly string[], io: TokensIo): Promise<number> {
  const args = parseTokenArgs(argv);
  if (args.kind === 'help') {
    io.out(args.usage);
    return 0;
  }
  return args.kind === 'verify' ? verify(args, io) : sign(args, io);
}
