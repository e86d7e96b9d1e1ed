import { describe, expect, it } from 'vitest';
import { DEFAULT_HISTORY_MAX_BYTES, resolveNamespaces } from './channels.js';
import { OptionsError } from './option-checks.js';

describe('resolveNamespaces history', () => {
  it('bounds a namespace with history by DEFAULT_HISTORY_MAX_BYTES unless historyMaxBytes says otherwise', () => {
    const { listed } = resolveNamespaces(
      { chat: { historySize: 10, historyTtlMs: 1000 }, big: { historySize: 10, historyTtlMs: 1000, historyMaxBytes: 32 * 2 ** 20 } },
      false,
    );
    expect(listed?.get('chat')?.history).toEqual({ size: 10, ttlMs: 1000, maxBytes: DEFAULT_HISTORY_MAX_BYTES });
    expect(listed?.get('big')?.history).toEqual({ size: 10, ttlMs: 1000, maxBytes: 32 * 2 ** 20 });
    expect(DEFAULT_HISTORY_MAX_BYTES).toBe(8 * 2 ** 20);
  });

  it.each([
    [
      { historySize: 10, historyTtlMs: 1000, historyMaxBytes: 0 },
      'option namespaces["chat"].historyMaxBytes must be a positive integer, got 0',
    ],
    [
      { historySize: 10, historyTtlMs: 1000, historyMaxBytes: 1.5 },
      'option namespaces["chat"].historyMaxBytes must be a positive integer, got 1.5',
    ],
    [
      { historySize: 10, historyTtlMs: 1000, historyMaxBytes: '1mb' },
      'option namespaces["chat"].historyMaxBytes must be a positive integer, got "1mb"',
    ],
    [{ historyMaxBytes: 1000 }, 'option namespaces["chat"].historyMaxBytes is set but historySize is 0'],
  ])('rejects %j precisely', (chat, message) => {
    expect(() => resolveNamespaces({ chat }, false)).toThrow(OptionsError);
    expect(() => resolveNamespaces({ chat }, false)).toThrow(message);
  });
});

describe('resolveNamespaces slowConsumer', () => {
  it("closes slow subscribers unless a namespace with history says 'catch-up'", () => {
    const { listed } = resolveNamespaces(
      {
        chat: { historySize: 10, historyTtlMs: 1000, slowConsumer: 'catch-up' },
        feed: { historySize: 10, historyTtlMs: 1000 },
        live: { slowConsumer: 'close' },
      },
      false,
    );
    expect(listed?.get('chat')?.catchUp).toBe(true);
    expect(listed?.get('feed')?.catchUp).toBe(false);
    expect(listed?.get('live')?.catchUp).toBe(false);
  });

  it.each([
    [{ slowConsumer: 'catch-up' }, `option namespaces["chat"].slowConsumer 'catch-up' needs history: set historySize and historyTtlMs`],
    [
      { historySize: 10, historyTtlMs: 1000, slowConsumer: 'drop' },
      `option namespaces["chat"].slowConsumer must be 'close' or 'catch-up', got "drop"`,
    ],
  ])('rejects %j precisely', (chat, message) => {
    expect(() => resolveNamespaces({ chat }, false)).toThrow(OptionsError);
    expect(() => resolveNamespaces({ chat }, false)).toThrow(message);
  });
});
