import { afterEach, describe, expect, it } from 'vitest';
import { OptionsError } from '../option-checks.js';
import { resolveAuthOptions, type AuthOptions } from './options.js';
import { ED, EC, RSA, SECRET, pem, serveJwks, sign, unsigned, type JwksServer } from './tokens.e2e-helpers.js';
import { TokenRejectedError, TokenVerifier } from './verifier.js';

function verifier(options: AuthOptions): TokenVerifier {
  return new TokenVerifier(resolveAuthOptions(options));
}

async function rejection(promise: Promise<unknown>): Promise<TokenRejectedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  return error as TokenRejectedError;
}

describe('TokenVerifier', () => {
  describe('with an HMAC secret', () => {
    const hmac = verifier({ hmacSecret: SECRET });

    it('verifies a token and exposes sub, custom claims and exp', async () => {
      const token = await sign({ sub: '42', role: 'admin' });
      const verified = await hmac.verify(token);
      expect(verified.user).toBe('42');
      expect(verified.claims.role).toBe('admin');
      expect(verified.expiresAt).toBe((verified.claims.exp as number) * 1000);
    });

    it('treats a token without sub as the anonymous user and one without exp as never expiring', async () => {
      const verified = await hmac.verify(await sign({}, { expiresInS: null }));
      expect(verified).toMatchObject({ user: '', expiresAt: undefined });
    });

    it('refuses a sub that is not well-formed Unicode: user ids become engine keys', async () => {
      const error = await rejection(hmac.verify(await sign({ sub: 'ada\ud800' })));
      expect(error).toMatchObject({ reason: 'invalid', message: 'invalid token (sub must be well-formed Unicode)' });
      expect((await hmac.verify(await sign({ sub: 'ada\ufffd' }))).user).toBe('ada\ufffd');
    });

    it('refuses a bad signature', async () => {
      const token = await sign({ sub: '42' }, { key: new TextEncoder().encode(`${SECRET}-other`) });
      expect((await rejection(hmac.verify(token))).reason).toBe('invalid');
    });

    it('refuses a token whose payload was changed', async () => {
      const [head, , sig] = (await sign({ sub: '42' })).split('.');
      const forged = `${head}.${Buffer.from(JSON.stringify({ sub: '1' })).toString('base64url')}.${sig}`;
      expect((await rejection(hmac.verify(forged))).reason).toBe('invalid');
    });

    it('refuses alg none', async () => {
      expect((await rejection(hmac.verify(unsigned({ sub: '42' })))).reason).toBe('invalid');
    });

    it('refuses an expired token as expired', async () => {
      expect((await rejection(hmac.verify(await sign({ sub: '42' }, { expiresInS: -10 })))).reason).toBe('expired');
    });

    it('tolerates clock skew up to clockToleranceMs', async () => {
      const token = await sign({ sub: '42' }, { expiresInS: -5 });
      await expect(verifier({ hmacSecret: SECRET, clockToleranceMs: 60_000 }).verify(token)).resolves.toMatchObject({ user: '42' });
    });

    it('refuses garbage and a non-string sub', async () => {
      expect((await rejection(hmac.verify('not-a-jwt'))).reason).toBe('invalid');
      expect((await rejection(hmac.verify(await sign({ sub: 42 } as never)))).reason).toBe('invalid');
    });

    it('refuses an algorithm outside the configured list', async () => {
      const only256 = verifier({ hmacSecret: SECRET, algorithms: ['HS256'] });
      await expect(only256.verify(await sign({ sub: '1' }, { alg: 'HS512' }))).rejects.toThrow(TokenRejectedError);
    });
  });

  describe('audience and issuer', () => {
    const strict = verifier({ hmacSecret: SECRET, audience: 'relais', issuer: ['https://a.example', 'https://b.example'] });

    it('accepts matching aud and one of the issuers', async () => {
      await expect(strict.verify(await sign({ sub: '1', aud: 'relais', iss: 'https://b.example' }))).resolves.toMatchObject({ user: '1' });
    });

    it.each([
      ['a wrong audience', { aud: 'other', iss: 'https://a.example' }],
      ['a missing audience', { iss: 'https://a.example' }],
      ['a wrong issuer', { aud: 'relais', iss: 'https://evil.example' }],
      ['a missing issuer', { aud: 'relais' }],
    ])('refuses %s', async (_name, claims) => {
      expect((await rejection(strict.verify(await sign({ sub: '1', ...claims })))).reason).toBe('invalid');
    });
  });

  describe('with a public key', () => {
    it('verifies RS256 and PS256 tokens with an RSA key', async () => {
      const rsa = verifier({ publicKey: pem(RSA.publicKey) });
      await expect(rsa.verify(await sign({ sub: '7' }, { alg: 'RS256', key: RSA.privateKey }))).resolves.toMatchObject({ user: '7' });
      await expect(rsa.verify(await sign({ sub: '7' }, { alg: 'PS256', key: RSA.privateKey }))).resolves.toMatchObject({ user: '7' });
    });

    it('verifies ES256 tokens with a P-256 key and EdDSA tokens with an Ed25519 key', async () => {
      await expect(
        verifier({ publicKey: pem(EC.publicKey) }).verify(await sign({ sub: 'e' }, { alg: 'ES256', key: EC.privateKey })),
      ).resolves.toMatchObject({ user: 'e' });
      await expect(
        verifier({ publicKey: pem(ED.publicKey) }).verify(await sign({ sub: 'd' }, { alg: 'EdDSA', key: ED.privateKey })),
      ).resolves.toMatchObject({ user: 'd' });
    });

    it('refuses HS256 signed with the public key as the HMAC secret (HS/RS confusion)', async () => {
      const publicPem = pem(RSA.publicKey);
      const confused = await sign({ sub: 'admin' }, { alg: 'HS256', key: new TextEncoder().encode(publicPem) });
      expect((await rejection(verifier({ publicKey: publicPem }).verify(confused))).reason).toBe('invalid');
    });

    it('refuses a token signed by another RSA key', async () => {
      const other = verifier({ publicKey: pem(RSA.publicKey) });
      const token = await sign({ sub: '7' }, { alg: 'ES256', key: EC.privateKey });
      expect((await rejection(other.verify(token))).reason).toBe('invalid');
    });

    it('fails early on an unreadable PEM', () => {
      expect(() => verifier({ publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })).toThrow(OptionsError);
    });
  });

  describe('with a JWKS URL', () => {
    let jwks: JwksServer | undefined;
    afterEach(async () => {
      await jwks?.close();
      jwks = undefined;
    });

    it('fetches the key set once and serves later verifications from its cache', async () => {
      jwks = await serveJwks({ rsa: RSA.publicKey, ec: EC.publicKey });
      const remote = verifier({ jwksUrl: jwks.url });
      await expect(remote.verify(await sign({ sub: '1' }, { alg: 'RS256', key: RSA.privateKey, kid: 'rsa' }))).resolves.toMatchObject({
        user: '1',
      });
      await expect(remote.verify(await sign({ sub: '2' }, { alg: 'ES256', key: EC.privateKey, kid: 'ec' }))).resolves.toMatchObject({
        user: '2',
      });
      await expect(remote.verify(await sign({ sub: '3' }, { alg: 'RS256', key: RSA.privateKey, kid: 'rsa' }))).resolves.toMatchObject({
        user: '3',
      });
      expect(jwks.hits).toBe(1);
    });

    it('refuses a token whose kid is not in the set, and HS256 tokens', async () => {
      jwks = await serveJwks({ rsa: RSA.publicKey });
      const remote = verifier({ jwksUrl: jwks.url });
      expect((await rejection(remote.verify(await sign({ sub: '1' }, { alg: 'ES256', key: EC.privateKey, kid: 'unknown' })))).reason).toBe(
        'invalid',
      );
      expect((await rejection(remote.verify(await sign({ sub: '1' }, { kid: 'rsa' })))).reason).toBe('invalid');
    });

    it('refuses tokens when the JWKS cannot be fetched', async () => {
      jwks = await serveJwks({});
      const url = jwks.url;
      await jwks.close();
      jwks = undefined;
      const remote = verifier({ jwksUrl: url, jwksTimeoutMs: 2000 });
      expect((await rejection(remote.verify(await sign({ sub: '1' }, { alg: 'RS256', key: RSA.privateKey, kid: 'rsa' })))).reason).toBe(
        'invalid',
      );
    });
  });

  describe('subscription tokens', () => {
    const hmac = verifier({ hmacSecret: SECRET });

    it('requires the channel claim and the connection user as sub', async () => {
      const token = await sign({ sub: '42', channel: 'secret:plans' });
      await expect(hmac.verify(token, { channel: 'secret:plans', user: '42' })).resolves.toMatchObject({ user: '42' });
      expect((await rejection(hmac.verify(token, { channel: 'secret:other', user: '42' }))).message).toMatch(/another channel/);
      expect((await rejection(hmac.verify(token, { channel: 'secret:plans', user: '7' }))).message).toMatch(/another user/);
    });

    it('refuses a subscription token (channel claim) where a connection token is verified', async () => {
      const token = await sign({ sub: '42', channel: 'secret:plans' });
      const error = await rejection(hmac.verify(token));
      expect(error.reason).toBe('invalid');
      expect(error.message).toMatch(/subscription token .* is not a connection token/);
    });
  });
});
