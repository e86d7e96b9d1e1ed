import { describe, expect, it } from 'vitest';
import { originAllowed } from './origin.js';

describe('originAllowed', () => {
  const allowed = ['https://app.example.com', 'https://*.example.org', 'http://localhost:5173'];

  it.each([
    ['https://app.example.com', true],
    ['HTTPS://APP.EXAMPLE.COM', true],
    ['https://eu.example.org', true],
    ['https://a.b.example.org', true],
    ['http://localhost:5173', true],
    [undefined, true],
    ['https://example.org', false],
    ['https://evil.com', false],
    ['http://app.example.com', false],
    ['https://app.example.com:8443', false],
    ['https://app.example.com.evil.com', false],
    ['https://evilexample.org', false],
    ['https://x.example.org:444', false],
    ['http://localhost:5174', false],
    ['null', false],
  ])('%s → %s', (origin, expected) => {
    expect(originAllowed(origin, allowed)).toBe(expected);
  });

  it('allows any origin with "*"', () => {
    expect(originAllowed('https://anything.test', ['*'])).toBe(true);
  });
});
