import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';
import { resolveAdminOptions } from './options.js';
import { AdminSessions } from './sessions.js';

const PASSWORD = 'correct horse battery staple';

describe('AdminSessions', () => {
  it('checks the password, and accepts no password when none is set', () => {
    const sessions = new AdminSessions(resolveAdminOptions({ password: PASSWORD }));
    expect(sessions.checkPassword(PASSWORD)).toBe(true);
    expect(sessions.checkPassword(`${PASSWORD} `)).toBe(false);
    expect(sessions.checkPassword('')).toBe(false);
    const tokenOnly = new AdminSessions(resolveAdminOptions({ jwtSecret: 'x'.repeat(32) }));
    expect(tokenOnly.checkPassword('')).toBe(false);
  });

  it('expires a session after its TTL, or at the token expiry when sooner', () => {
    let now = 1_000_000;
    const sessions = new AdminSessions(resolveAdminOptions({ password: PASSWORD, sessionTtlMs: 60_000 }), () => now);
    const { token, session } = sessions.issue('admin');
    expect(session.expiresAt).toBe(now + 60_000);
    expect(sessions.verify(token)).toEqual({ user: 'admin', expiresAt: now + 60_000 });
    now += 59_999;
    expect(sessions.verify(token)).toBeDefined();
    now += 1;
    expect(sessions.verify(token)).toBeUndefined();
    expect(sessions.issue('ops', now + 10).session.expiresAt).toBe(now + 10);
  });

  it('refuses forged, altered and revoked tokens, and tokens of other credentials', () => {
    const sessions = new AdminSessions(resolveAdminOptions({ password: PASSWORD }));
    const { token } = sessions.issue('admin');
    const [body, signature] = token.split('.') as [string, string];
    const other = JSON.parse(Buffer.from(body, 'base64url').toString()) as { u: string };
    other.u = 'root';
    expect(sessions.verify(`${Buffer.from(JSON.stringify(other)).toString('base64url')}.${signature}`)).toBeUndefined();
    expect(sessions.verify(`${body}.${signature.slice(0, -2)}`)).toBeUndefined();
    expect(sessions.verify(undefined)).toBeUndefined();
    expect(new AdminSessions(resolveAdminOptions({ password: `${PASSWORD}!` })).verify(token)).toBeUndefined();
    // Another node with the same credentials accepts it, until a logout revokes its id there too.
    const peer = new AdminSessions(resolveAdminOptions({ password: PASSWORD }));
    expect(peer.verify(token)).toBeDefined();
    const revoked = sessions.revoke(token)!;
    expect(sessions.verify(token)).toBeUndefined();
    peer.revokeId(revoked.id, revoked.expiresAt);
    expect(peer.verify(token)).toBeUndefined();
  });
});

describe('LoginLimiter', () => {
  it('allows perMinute attempts per address and window', () => {
    let now = 0;
    const limiter = new LoginLimiter(2, () => now);
    expect([limiter.attempt('a'), limiter.attempt('a'), limiter.attempt('b')]).toEqual([0, 0, 0]);
    expect(limiter.attempt('a')).toBe(60);
    now = 45_000;
    expect(limiter.attempt('a')).toBe(15);
    now = 60_000;
    expect(limiter.attempt('a')).toBe(0);
  });
});

describe('resolveAdminOptions', () => {
  it('names the bad option', () => {
    expect(() => resolveAdminOptions({})).toThrow('admin.password or admin.jwtSecret is needed');
    expect(() => resolveAdminOptions({ password: 'short' })).toThrow('admin.password must be a string of at least 12 characters');
    expect(() => resolveAdminOptions({ jwtSecret: 'short' })).toThrow('admin.jwtSecret must be a string of at least 32 bytes');
    expect(() => resolveAdminOptions({ password: PASSWORD, sessionTtlMs: 10 })).toThrow('admin.sessionTtlMs must be an integer');
    expect(() => resolveAdminOptions({ password: PASSWORD, loginAttemptsPerMinute: 0 })).toThrow('admin.loginAttemptsPerMinute');
    expect(() => resolveAdminOptions({ password: PASSWORD, pasword: 'x' } as never)).toThrow('admin.pasword is not an admin option');
    expect(resolveAdminOptions({ password: PASSWORD })).toEqual({
      password: PASSWORD,
      jwtSecret: undefined,
      sessionTtlMs: 3_600_000,
      loginAttemptsPerMinute: 10,
    });
  });
});
