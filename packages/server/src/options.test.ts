import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, OptionsError, resolveOptions, type RelaisOptions } from './options.js';

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    expect(resolveOptions()).toMatchObject(DEFAULT_OPTIONS);
    expect(resolveOptions()).toMatchObject({ auth: undefined, trustedProxies: undefined, compression: false, limits: { floodFactor: 2 } });
    expect(resolveOptions({ pingIntervalMs: 5000, pongTimeoutMs: undefined })).toMatchObject({
      pingIntervalMs: 5000,
      pongTimeoutMs: 10_000,
    });
  });

  it('derives maxPageBytes from maxQueueBytes unless given', () => {
    expect(resolveOptions().maxPageBytes).toBe(524_288);
    expect(resolveOptions({ maxQueueBytes: 200_001 }).maxPageBytes).toBe(100_000);
    expect(resolveOptions({ maxQueueBytes: 200_000, maxPageBytes: 150_000 }).maxPageBytes).toBe(150_000);
  });

  it('accepts history, presence and join/leave on a namespace', () => {
    const namespaces = { chat: { historySize: 100, historyTtlMs: 60_000, presence: true, joinLeave: true }, plain: { historySize: 0 } };
    const resolved = resolveOptions({ namespaces, presenceTtlMs: 30_000 });
    expect(resolved.presenceTtlMs).toBe(30_000);
    expect(resolved.namespaces.listed?.get('chat')).toMatchObject({
      history: { size: 100, ttlMs: 60_000 },
      presence: true,
      joinLeave: true,
    });
    expect(resolved.namespaces.listed?.get('plain')).toMatchObject({ history: undefined, presence: false });
    expect(resolved.namespaces.others).toBeUndefined();
  });

  it('parses nested options once, into the forms the node uses', () => {
    const resolved = resolveOptions({
      trustedProxies: ['::ffff:10.0.0.5'],
      compression: { level: 3 },
      auth: { hmacSecret: 'x'.repeat(32) },
      limits: { maxPendingRpcs: 4 },
    });
    expect(resolved.trustedProxies).toEqual(new Set(['10.0.0.5']));
    expect(resolved.compression).toEqual({ thresholdBytes: 1024, level: 3 });
    expect(resolved.auth).toMatchObject({ hmacSecret: 'x'.repeat(32), allowAnonymous: false, queryToken: true });
    expect(resolved.limits).toMatchObject({ maxPendingRpcs: 4, maxPendingCommands: 1024 });
    expect(resolveOptions({ compression: true }).compression).toEqual({ thresholdBytes: 1024, level: 1 });
  });

  it('parses the metrics option: off by default, true, or a bearer token', () => {
    expect(resolveOptions().metrics).toBe(false);
    expect(resolveOptions({ metrics: true }).metrics).toEqual({ token: undefined });
    expect(resolveOptions({ metrics: { token: 's3cret' } }).metrics).toEqual({ token: 's3cret' });
    for (const bad of ['yes', { token: '' }, { token: 'two words' }, { token: 7 }, { tokn: 'x' }]) {
      expect(() => resolveOptions({ metrics: bad } as RelaisOptions), JSON.stringify(bad)).toThrow(OptionsError);
    }
  });

  it('gives unlisted namespaces open rules without a namespaces option, and the "*" rules with one', () => {
    expect(resolveOptions().namespaces).toMatchObject({ listed: undefined, others: { presence: false } });
    const resolved = resolveOptions({ namespaces: { chat: {}, '*': { presence: true } } });
    expect(resolved.namespaces.others).toMatchObject({ presence: true });
  });

  it.each([
    [{ pongTimeoutMs: 0 }, 'option pongTimeoutMs must be a positive integer, got 0'],
    [{ pingIntervalMs: -5 }, 'option pingIntervalMs must be a positive integer, got -5'],
    [{ maxMessageBytes: 1.5 }, 'option maxMessageBytes must be a positive integer, got 1.5'],
    [{ maxMessageBytes: '10' }, 'option maxMessageBytes must be a positive integer, got "10"'],
    [{ rpcTimeoutMs: 2 ** 31 }, 'option rpcTimeoutMs must be at most 2147483647, got 2147483648'],
    [{ drainWindowMs: -1 }, 'option drainWindowMs must be a non-negative integer, got -1'],
    [{ drainWindowMs: 2.5 }, 'option drainWindowMs must be a non-negative integer, got 2.5'],
    [{ path: 'ws' }, 'option path must be a string starting with "/", got "ws"'],
    [{ maxQueueBytes: 100, maxMessageBytes: 1000 }, 'option maxQueueBytes (100) must be at least maxMessageBytes (1000)'],
    [{ maxPageBytes: 0 }, 'option maxPageBytes must be a positive integer, got 0'],
    [{ maxPageBytes: 2_000_000 }, 'option maxPageBytes (2000000) must be at most maxQueueBytes (1048576)'],
    [{ pingIntervalMS: 1 }, 'unknown option "pingIntervalMS"'],
    [{ namespaces: { 'a:b': {} } }, 'option namespaces["a:b"]: a namespace name must not contain ":"'],
    [{ namespaces: { chat: { clientPublish: 'no' } } }, 'option namespaces["chat"].clientPublish must be a boolean, got "no"'],
    [{ namespaces: { chat: { maxDataBytes: 0 } } }, 'option namespaces["chat"].maxDataBytes must be a positive integer, got 0'],
    [{ namespaces: { chat: { history: 1 } } }, 'option namespaces["chat"]: unknown option "history"'],
    [{ namespaces: { chat: { historySize: 10 } } }, 'option namespaces["chat"].historyTtlMs is required when historySize > 0'],
    [
      { namespaces: { chat: { historySize: -1, historyTtlMs: 1000 } } },
      'option namespaces["chat"].historySize must be a positive integer, got -1',
    ],
    [
      { namespaces: { chat: { historySize: 10, historyTtlMs: 0 } } },
      'option namespaces["chat"].historyTtlMs must be a positive integer, got 0',
    ],
    [{ namespaces: { chat: { historyTtlMs: 1000 } } }, 'option namespaces["chat"].historyTtlMs is set but historySize is 0'],
    [{ namespaces: { chat: { presence: 'yes' } } }, 'option namespaces["chat"].presence must be a boolean, got "yes"'],
    [{ namespaces: { chat: { joinLeave: 1 } } }, 'option namespaces["chat"].joinLeave must be a boolean, got 1'],
    [{ trustedProxies: ['proxy.internal'] }, 'option trustedProxies: "proxy.internal" is not an IP address like "10.0.0.5" or "::1"'],
    [{ presenceTtlMs: 0 }, 'option presenceTtlMs must be a positive integer, got 0'],
    [{ engine: {} }, 'option engine must be {broker: Broker}'],
    [{ engine: { broker: { publish() {} }, presence: {} } }, 'option engine.presence must be a PresenceStore'],
    [{ logger: { info() {} } }, 'option logger must have a debug() method'],
    [{ maxDataDepth: 0 }, 'option maxDataDepth must be a positive integer, got 0'],
    [{ maxDataDepth: 100 }, 'option maxDataDepth must be at most 64, got 100'],
  ])('rejects %j precisely', (options, message) => {
    expect(() => resolveOptions(options as RelaisOptions)).toThrow(OptionsError);
    expect(() => resolveOptions(options as RelaisOptions)).toThrow(message);
  });
});
