import { OptionsError } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUESTS_TIMEOUT_MS, resolveServerOptions } from './options.js';

describe('resolveServerOptions', () => {
  it('waits 5 s for other nodes unless requestsTimeout says otherwise', () => {
    expect(resolveServerOptions().requestsTimeoutMs).toBe(DEFAULT_REQUESTS_TIMEOUT_MS);
    expect(DEFAULT_REQUESTS_TIMEOUT_MS).toBe(5000);
    expect(resolveServerOptions({ requestsTimeout: 250 }).requestsTimeoutMs).toBe(250);
  });

  it.each([0, -1, 1.5, '1000', 2 ** 31])('refuses a requestsTimeout of %s with an OptionsError naming it', (value) => {
    expect(() => resolveServerOptions({ requestsTimeout: value as number })).toThrow(OptionsError);
    expect(() => resolveServerOptions({ requestsTimeout: value as number })).toThrow(/socket\.io option requestsTimeout must be/);
  });

  it('refuses unknown options and bad values with an OptionsError (a TypeError, as before)', () => {
    expect(() => resolveServerOptions({ nope: 1 } as never)).toThrow(OptionsError);
    expect(() => resolveServerOptions({ pingInterval: 0 })).toThrow(TypeError);
  });
});
