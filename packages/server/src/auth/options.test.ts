import { describe, expect, it } from 'vitest';
import { OptionsError, resolveOptions, type RelaisOptions } from '../options.js';
import { resolveAuthOptions } from './options.js';
import { RSA, SECRET, pem } from './tokens.e2e-helpers.js';

describe('resolveAuthOptions', () => {
  it('applies the defaults', () => {
    expect(resolveAuthOptions({ hmacSecret: SECRET })).toEqual({
      hmacSecret: SECRET,
      publicKey: undefined,
      jwksUrl: undefined,
      algorithms: undefined,
      audience: undefined,
      issuer: undefined,
      allowAnonymous: false,
      queryToken: true,
      clockToleranceMs: 0,
      jwksCacheMaxAgeMs: 600_000,
      jwksCooldownMs: 30_000,
      jwksTimeoutMs: 5_000,
    });
  });

  it.each([
    [{}, 'option auth.needs exactly one of hmacSecret, publicKey, jwksUrl'],
    [
      { hmacSecret: SECRET, jwksUrl: 'https://a.example/jwks' },
      'option auth.needs exactly one of hmacSecret, publicKey, jwksUrl, got hmacSecret and jwksUrl',
    ],
    [{ hmacSecret: 'short' }, 'option auth.hmacSecret must be at least 32 bytes long'],
    [{ hmacSecret: 42 }, 'option auth.hmacSecret must be a string'],
    [{ publicKey: 'abc' }, 'option auth.publicKey must be a PEM string'],
    [{ jwksUrl: 'ftp://a.example/jwks' }, 'option auth.jwksUrl must be an http(s) URL, got "ftp://a.example/jwks"'],
    [{ jwksUrl: 'not a url' }, 'option auth.jwksUrl must be an http(s) URL'],
    [{ hmacSecret: SECRET, algorithms: ['RS256'] }, 'option auth.algorithms: RS256 cannot be used with hmacSecret'],
    [
      { publicKey: pem(RSA.publicKey), algorithms: ['HS256'] },
      'option auth.algorithms: HS256 needs hmacSecret (HMAC with a public key is the HS/RS confusion attack)',
    ],
    [{ hmacSecret: SECRET, algorithms: ['none'] }, 'option auth.algorithms: unsupported algorithm "none"'],
    [{ hmacSecret: SECRET, algorithms: [] }, 'option auth.algorithms must be a non-empty array of strings'],
    [{ hmacSecret: SECRET, audience: '' }, 'option auth.audience must be a non-empty string or a non-empty array of them'],
    [{ hmacSecret: SECRET, issuer: [] }, 'option auth.issuer must be a non-empty string or a non-empty array of them'],
    [{ hmacSecret: SECRET, allowAnonymous: 'yes' }, 'option auth.allowAnonymous must be a boolean, got "yes"'],
    [{ hmacSecret: SECRET, clockToleranceMs: -1 }, 'option auth.clockToleranceMs must be a non-negative integer of ms, got -1'],
    [{ hmacSecret: SECRET, jwksTimeoutMs: 0 }, 'option auth.jwksTimeoutMs must be a positive integer of ms, got 0'],
    [{ hmacSecret: SECRET, secret: 'x' }, 'option auth: unknown option "secret"'],
    ['secret', 'option auth must be an object'],
  ])('rejects %j precisely', (auth, message) => {
    expect(() => resolveAuthOptions(auth)).toThrow(OptionsError);
    expect(() => resolveAuthOptions(auth)).toThrow(message);
  });
});

describe('resolveOptions with auth, origins, access rules, limits and compression', () => {
  it('accepts a fully locked-down configuration', () => {
    const options: RelaisOptions = {
      auth: { hmacSecret: SECRET, audience: 'relais', issuer: 'https://auth.example.com' },
      allowedOrigins: ['https://app.example.com', 'https://*.example.com'],
      namespaces: {
        chat: {
          subscribeAccess: 'authenticated',
          publishAccess: 'subscribers',
          historyAccess: 'subscribers',
          publishRate: { perSecond: 5, burst: 10 },
        },
        user: { subscribeAccess: 'owner', publishAccess: 'nobody' },
        secret: { subscribeAccess: 'token', publishAccess: 'nobody', presenceAccess: 'nobody' },
      },
      limits: {
        perConnection: { commands: { perSecond: 50, burst: 100 }, bytes: { perSecond: 100_000, burst: 200_000 } },
        perIp: { connections: { perSecond: 5 } },
      },
      compression: { thresholdBytes: 512, level: 3 },
    };
    expect(() => resolveOptions(options)).not.toThrow();
  });

  it('gives a bytes rate without burst a burst of one largest message', async () => {
    const { resolveLimits } = await import('../rate-limit/options.js');
    expect(resolveLimits({ perConnection: { bytes: { perSecond: 1000 } } }, 65_536).perConnection.bytes).toEqual({
      perSecond: 1000,
      burst: 65_536,
    });
  });

  it.each([
    [{ allowedOrigins: [] }, 'option allowedOrigins must be a non-empty array of origins'],
    [{ allowedOrigins: ['app.example.com'] }, 'option allowedOrigins: "app.example.com" is not an origin'],
    [{ allowedOrigins: ['https://app.example.com/'] }, 'is not an origin'],
    [{ allowedOrigins: ['https://a.*.example.com'] }, 'is not an origin'],
    [
      { namespaces: { chat: { subscribeAccess: 'friends' } } },
      `option namespaces["chat"].subscribeAccess must be one of 'everyone', 'authenticated', 'owner', 'token', 'nobody', got "friends"`,
    ],
    [{ namespaces: { chat: { subscribeAccess: 'subscribers' } } }, 'option namespaces["chat"].subscribeAccess must be one of'],
    [
      { namespaces: { chat: { publishAccess: 'token' } } },
      `option namespaces["chat"].publishAccess must be one of 'everyone', 'authenticated', 'owner', 'subscribers', 'nobody', got "token"`,
    ],
    [{ namespaces: { chat: { historyAccess: 1 } } }, 'option namespaces["chat"].historyAccess must be one of'],
    [{ namespaces: { chat: { subscribeAccess: 'token' } } }, `option namespaces["chat"].subscribeAccess 'token' needs option auth`],
    [
      { namespaces: { chat: { clientPublish: false, publishAccess: 'everyone' } } },
      'option namespaces["chat"]: clientPublish: false contradicts publishAccess: "everyone"',
    ],
    [
      { namespaces: { chat: { publishRate: { perSecond: 0 } } } },
      'option namespaces["chat"].publishRate.perSecond must be a positive number, got 0',
    ],
    [
      { limits: { perConnection: { commands: { perSecond: 10, burst: 0.5 } } } },
      'option limits.perConnection.commands.burst must be a number >= 1, got 0.5',
    ],
    [
      { limits: { perConnection: { bytes: { perSecond: 1000, burst: 1000 } } } },
      'option limits.perConnection.bytes.burst (1000) must be at least 65536: one largest message must fit',
    ],
    [{ limits: { perUser: { messages: { perSecond: 1 } } } }, 'option limits.perUser: unknown option "messages"'],
    [{ limits: { perIp: { connections: { perSecond: 1, per: 2 } } } }, 'option limits.perIp.connections: unknown option "per"'],
    [{ limits: { floodFactor: 0 } }, 'option limits.floodFactor must be a positive number, got 0'],
    [{ limits: { maxPendingRpcs: 0 } }, 'option limits.maxPendingRpcs must be a positive integer, got 0'],
    [{ limits: { burst: 1 } }, 'option limits: unknown option "burst"'],
    [{ compression: 'gzip' }, 'option compression must be a boolean or {thresholdBytes?, level?}'],
    [{ compression: { level: 10 } }, 'option compression.level must be an integer from 0 to 9, got 10'],
    [{ compression: { windowBits: 10 } }, 'option compression: unknown option "windowBits"'],
  ])('rejects %j precisely', (options, message) => {
    expect(() => resolveOptions(options as RelaisOptions)).toThrow(OptionsError);
    expect(() => resolveOptions(options as RelaisOptions)).toThrow(message);
  });
});
