import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then one action per refill interval, per key', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 2, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(500);
    expect(limiter.take('b')).toBe(0);
    now = 250;
    expect(limiter.take('a')).toBe(250);
    now = 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(500);
  });

  it('never refills above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1, () => now);
    now = 60_000;
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 1000]);
  });

  it('drops idle keys once it tracks many', () => {
    let now = 0;
    const limiter = new RateLimiter(1, 1, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(10_000);
    now = 5_000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });
});
