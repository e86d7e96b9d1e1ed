/**
 * @module auth/tokens.e2e-helpers
 * Test-only token factory: signs JWTs with an HMAC secret, RSA, EC and Ed25519 keys generated
 * once per process, and serves a JWKS on 127.0.0.1 port 0. Excluded from the build by name.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

export const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const EC = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const ED = generateKeyPairSync('ed25519');

export function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export interface SignOptions {
  alg?: string;
  key?: KeyObject | Uint8Array;
  kid?: string;
  /** Seconds from now; negative for an expired token; null for no exp. */
  expiresInS?: number | null;
}

/** Signs `claims` (HS256 with SECRET by default), with `exp` one hour ahead unless told. */
export async function sign(claims: JWTPayload & Record<string, unknown>, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'HS256';
  const header: { alg: string; kid?: string } = { alg };
  if (options.kid !== undefined) header.kid = options.kid;
  const jwt = new SignJWT(claims).setProtectedHeader(header).setIssuedAt();
  const expiresInS = options.expiresInS === undefined ? 3600 : options.expiresInS;
  if (expiresInS !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS);
  return jwt.sign(options.key ?? new TextEncoder().encode(SECRET));
}

/** An unsigned token (`alg: none`), as an attacker would forge it. */
export function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.`;
}

export interface JwksServer {
  url: string;
  /** Requests served so far. */
  readonly hits: number;
  close(): Promise<void>;
}

/** Serves `{keys}` with the public halves of `keys` (by kid) on 127.0.0.1, port 0. */
export async function serveJwks(keys: Record<string, KeyObject>): Promise<JwksServer> {
  const jwks = { keys: await Promise.all(Object.entries(keys).map(async ([kid, key]) => ({ ...(await exportJWK(key)), kid }))) };
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
