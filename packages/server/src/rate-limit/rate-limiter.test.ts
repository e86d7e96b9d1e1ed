import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics/metrics.js';
import { resolveLimits, type LimitsOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { TokenBucket } from './token-bucket.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate, never beyond the burst', () => {
    const c = clock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, c.now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    c.advance(100); // one token
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    c.advance(60_000);
    expect(bucket.tokens).toBe(3);
    expect(bucket.full).toBe(true);
  });

  it('takes several tokens at once only when all are there', () => {
    const c = clock();
    const bucket = new TokenBucket({ perSecond: 100, burst: 100 }, c.now);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(60)).toBe(false);
    expect(bucket.tokens).toBe(40);
    c.advance(200);
    expect(bucket.take(60)).toBe(true);
  });

  it('defaults the burst to the rate and ignores a clock going back', () => {
    const c = clock();
    const bucket = new TokenBucket({ perSecond: 2 }, c.now);
    expect(bucket.burst).toBe(2);
    bucket.take(2);
    c.advance(-5_000);
    expect(bucket.tokens).toBe(0);
  });
});

function limiter(options: LimitsOptions, c = clock()): { rl: RateLimiter; metrics: Metrics; c: ReturnType<typeof clock> } {
  const metrics = new Metrics();
  return { rl: new RateLimiter(resolveLimits(options, 65_536), metrics, c.now), metrics, c };
}

function run(n: number, step: () => string): string[] {
  return Array.from({ length: n }, step);
}

describe('RateLimiter', () => {
  it('limits commands per connection: ok within the burst, 111 past it, flood past floodFactor × burst', () => {
    const { rl, metrics } = limiter({ perConnection: { commands: { perSecond: 10, burst: 5 } }, floodFactor: 2 });
    const conn = rl.forConnection();
    const verdicts = run(16, () => conn.command('u'));
    expect(verdicts).toEqual([...Array(5).fill('ok'), ...Array(10).fill('limited'), 'flood']);
    expect(metrics.snapshot().rateLimited).toEqual({ 'connection.commands': 11 });
  });

  it('lets a client that slows down recover, and never floods one that stays near its rate', () => {
    const { rl, c } = limiter({ perConnection: { commands: { perSecond: 10, burst: 10 } } });
    const conn = rl.forConnection();
    // 15 per second for 10 seconds: 1.5× the rate, far from a flood.
    const verdicts: string[] = [];
    for (let i = 0; i < 150; i++) {
      verdicts.push(conn.command(''));
      c.advance(1000 / 15);
    }
    expect(verdicts).not.toContain('flood');
    expect(verdicts).toContain('limited');
    c.advance(2_000);
    expect(conn.command('')).toBe('ok');
  });

  it('keeps connections apart and shares a user limit between the user connections', () => {
    const { rl, metrics } = limiter({ perConnection: { commands: false }, perUser: { publishes: { perSecond: 1, burst: 3 } } });
    const a = rl.forConnection();
    const b = rl.forConnection();
    expect([a.publish('ada', 'chat', undefined), b.publish('ada', 'chat', undefined), a.publish('ada', 'chat', undefined)]).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    expect(b.publish('ada', 'chat', undefined)).toBe('limited');
    expect(a.publish('bob', 'chat', undefined)).toBe('ok');
    // Anonymous connections have no user limit.
    expect(run(10, () => a.publish('', 'chat', undefined))).not.toContain('limited');
    expect(metrics.snapshot().rateLimited).toEqual({ 'user.publishes': 1 });
  });

  it('applies a namespace publish rate per connection on top of the connection rate', () => {
    const { rl, metrics } = limiter({});
    const a = rl.forConnection();
    const b = rl.forConnection();
    const rate = { perSecond: 1, burst: 2 };
    expect(run(3, () => a.publish('', 'chat', rate))).toEqual(['ok', 'ok', 'limited']);
    expect(b.publish('', 'chat', rate)).toBe('ok');
    expect(a.publish('', 'news', undefined)).toBe('ok');
    expect(metrics.snapshot().rateLimited).toEqual({ 'namespace.publishes': 1 });
  });

  it('counts bytes against a bytes rate', () => {
    const { rl } = limiter({ perConnection: { commands: false, bytes: { perSecond: 100_000, burst: 100_000 } } });
    const conn = rl.forConnection();
    expect(conn.bytes('', 60_000)).toBe('ok');
    expect(conn.bytes('', 60_000)).toBe('limited');
    expect(conn.bytes('', 30_000)).toBe('ok');
  });

  it('limits connection attempts per address', () => {
    const { rl, metrics, c } = limiter({ perIp: { connections: { perSecond: 1, burst: 2 } } });
    expect([rl.admitConnection('10.0.0.1'), rl.admitConnection('10.0.0.1'), rl.admitConnection('10.0.0.1')]).toEqual([true, true, false]);
    expect(rl.admitConnection('10.0.0.2')).toBe(true);
    c.advance(1_000);
    expect(rl.admitConnection('10.0.0.1')).toBe(true);
    expect(metrics.snapshot().rateLimited).toEqual({ 'ip.connections': 1 });
  });

  it('admits every address when no per-IP rate is set', () => {
    const { rl } = limiter({});
    expect(run(100, () => String(rl.admitConnection('10.0.0.1')))).not.toContain('false');
  });

  it('forgets users whose buckets refilled', () => {
    const { rl, c } = limiter({ perUser: { commands: { perSecond: 10 } } });
    const conn = rl.forConnection();
    for (let i = 0; i < 50; i++) conn.command(`user-${i}`);
    expect(rl.trackedUsers).toBe(50);
    c.advance(11_000);
    conn.command('last');
    expect(rl.trackedUsers).toBe(1);
  });

  it('caps pending RPCs', () => {
    const { rl, metrics } = limiter({ maxPendingRpcs: 2 });
    const conn = rl.forConnection();
    expect([conn.rpcStarted(), conn.rpcStarted(), conn.rpcStarted()]).toEqual([true, true, false]);
    conn.rpcEnded();
    expect(conn.rpcStarted()).toBe(true);
    expect(metrics.snapshot().rateLimited).toEqual({ 'connection.pendingRpcs': 1 });
  });

  it('has a default per-connection command rate', () => {
    const { rl } = limiter({});
    const conn = rl.forConnection();
    expect(run(2_000, () => conn.command(''))).not.toContain('limited');
    expect(conn.command('')).toBe('limited');
  });
});
