import { describe, expect, it } from 'vitest';
import { OptionsError, resolveOptions } from '../options.js';
import { DEFAULT_API_MAX_BODY_BYTES, DEFAULT_API_TIMEOUT_MS } from './api-options.js';

describe('the server API options', () => {
  it('leave the API off without apiKeys', () => {
    expect(resolveOptions({}).api).toBeUndefined();
  });

  it('apply the defaults with apiKeys', () => {
    expect(resolveOptions({ apiKeys: ['a', 'b'] }).api).toEqual({
      keys: ['a', 'b'],
      port: undefined,
      host: undefined,
      maxBodyBytes: DEFAULT_API_MAX_BODY_BYTES,
      timeoutMs: DEFAULT_API_TIMEOUT_MS,
    });
    expect(resolveOptions({ apiKeys: ['a'], apiPort: 0, apiHost: '0.0.0.0', apiMaxBodyBytes: 10, apiTimeoutMs: 50 }).api).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      maxBodyBytes: 10,
      timeoutMs: 50,
    });
  });

  it.each([
    [{ apiKeys: [] }, 'option apiKeys must be a non-empty array of strings (omit it to turn the API off), got '],
    [{ apiKeys: 'secret' }, 'option apiKeys must be a non-empty array of strings (omit it to turn the API off), got "secret"'],
    [{ apiKeys: ['ok', ''] }, 'option apiKeys[1] must be a non-empty string without spaces or commas'],
    [{ apiKeys: ['a b'] }, 'option apiKeys[0] must be a non-empty string without spaces or commas'],
    [{ apiKeys: ['a'], apiPort: 70_000 }, 'option apiPort must be an integer from 0 to 65535, got 70000'],
    [{ apiKeys: ['a'], apiPort: '8081' }, 'option apiPort must be an integer from 0 to 65535, got "8081"'],
    [{ apiKeys: ['a'], apiHost: '0.0.0.0' }, 'option apiHost needs apiPort: without it the API is served on the node’s own port and host'],
    [{ apiKeys: ['a'], apiPort: 1, apiHost: '' }, 'option apiHost must be a non-empty string, got ""'],
    [{ apiKeys: ['a'], apiMaxBodyBytes: 0 }, 'option apiMaxBodyBytes must be a positive integer, got 0'],
    [{ apiKeys: ['a'], apiTimeoutMs: -1 }, 'option apiTimeoutMs must be a positive integer of ms, got -1'],
    [{ apiPort: 8081 }, 'option apiPort needs apiKeys: without a key the server API is off'],
    [{ apiMaxBodyBytes: 10 }, 'option apiMaxBodyBytes needs apiKeys: without a key the server API is off'],
  ])('refuse %j with a clear OptionsError', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(new OptionsError(message));
  });
});
