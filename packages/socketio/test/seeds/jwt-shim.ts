// A stand-in for the `jsonwebtoken` package (not a dependency here) with the one call seed 003
// makes: `jwt.verify(token, secret)` for HS256 tokens, throwing on a bad one.
import { createHmac, timingSafeEqual } from 'node:crypto';

function verify(token: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = String(token).split('.');
  if (!header || !payload || !signature) throw new Error('jwt malformed');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new Error('invalid signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) throw new Error('jwt expired');
  return claims;
}

function sign(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export default { verify, sign };
