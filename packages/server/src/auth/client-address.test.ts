import { describe, expect, it } from 'vitest';
import { OptionsError } from '../option-checks.js';
import { clientAddress, resolveTrustedProxies } from './client-address.js';

const proxies = resolveTrustedProxies(['10.0.0.5', '10.0.0.6', '::1']);

describe('clientAddress', () => {
  it('is the socket peer without trusted proxies, whatever the header says', () => {
    expect(clientAddress('198.51.100.1', '203.0.113.7', undefined)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:198.51.100.1', undefined, undefined)).toBe('198.51.100.1');
    expect(clientAddress(undefined, '203.0.113.7', proxies)).toBeUndefined();
  });

  it('ignores the header of a peer that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.1', '203.0.113.7', proxies)).toBe('198.51.100.1');
  });

  it('takes the right-most address that is not a trusted proxy', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.7', proxies)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:10.0.0.5', '198.51.100.9, 203.0.113.7, 10.0.0.6', proxies)).toBe('203.0.113.7');
    expect(clientAddress('::1', ['198.51.100.9', '2001:db8::7'], proxies)).toBe('2001:db8::7');
  });

  it('keeps the last trusted hop when the header is missing, all proxies, or not an address', () => {
    expect(clientAddress('10.0.0.5', undefined, proxies)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '10.0.0.6', proxies)).toBe('10.0.0.6');
    expect(clientAddress('10.0.0.5', '203.0.113.7, not-an-ip', proxies)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '', proxies)).toBe('10.0.0.5');
  });
});

describe('resolveTrustedProxies', () => {
  it.each([[[]], ['10.0.0.5'], [[42]], [['10.0.0.0/8']], [['proxy.internal']]])('refuses %j with an OptionsError', (value) => {
    expect(() => resolveTrustedProxies(value)).toThrow(OptionsError);
    expect(() => resolveTrustedProxies(value)).toThrow(/option trustedProxies/);
  });
});
