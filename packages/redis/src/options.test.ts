import { OptionsError } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, redactUrl, resolveRedisBrokerOptions } from './options.js';
import { RedisPresenceStore } from './redis-presence-store.js';

describe('resolveRedisBrokerOptions', () => {
  it('applies the defaults', () => {
    expect(resolveRedisBrokerOptions({ urls: ['redis://127.0.0.1:6379'] })).toEqual({
      urls: ['redis://127.0.0.1:6379'],
      prefix: DEFAULT_PREFIX,
      commandTimeoutMs: 5_000,
      connectTimeoutMs: 10_000,
      maxReconnectDelayMs: 2_000,
      historyMetaTtlMs: 86_400_000,
      logger: undefined,
    });
  });

  it.each([
    [{ urls: [] }, 'option urls must be a non-empty array of redis:// URLs'],
    [{ urls: 'redis://a' }, 'option urls must be a non-empty array of redis:// URLs'],
    [{ urls: ['http://a:6379'] }, 'option urls[0] must start with redis:// or rediss://, got "http://a:6379/"'],
    [{ urls: ['redis://a', 'nope'] }, 'option urls[1] is not a URL: "nope"'],
    [{ urls: ['redis://a', 5] }, 'option urls[1] must be a string, got number'],
    [{ urls: ['redis://a:1', 'redis://a:1/'] }, 'option urls lists redis://a:1/ twice: each shard must be a distinct Redis'],
    [{ urls: ['redis://a'], prefix: 'has space' }, 'option prefix must be 1–64 characters among A–Z a–z 0–9 _ . : -, got "has space"'],
    [{ urls: ['redis://a'], commandTimeoutMs: 0 }, 'option commandTimeoutMs must be a positive integer of ms'],
    [{ urls: ['redis://a'], maxReconnectDelayMs: 1.5 }, 'option maxReconnectDelayMs must be a positive integer of ms'],
    [{ urls: ['redis://a'], logger: {} }, 'option logger must be a Logger'],
    [{ urls: ['redis://a'], host: 'x' }, 'unknown RedisBroker option "host"'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveRedisBrokerOptions(options as never)).toThrow(OptionsError);
    expect(() => resolveRedisBrokerOptions(options as never)).toThrow(message);
  });

  it('names the class the options were given to', () => {
    expect(() => new RedisPresenceStore({ urls: ['redis://a'], host: 'x' } as never)).toThrow('unknown RedisPresenceStore option "host"');
  });

  it('never shows a password in its messages', () => {
    expect(() => resolveRedisBrokerOptions({ urls: ['http://u:hunter2@a'] })).toThrow('http://u:***@a');
    expect(redactUrl('redis://:pw@h:1/2')).toBe('redis://:***@h:1/2');
  });
});
