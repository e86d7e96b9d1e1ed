import { describe, expect, it } from 'vitest';
import { withSupabaseNamespaces } from './namespaces.js';
import { resolveSupabaseOptions } from './options.js';

describe('withSupabaseNamespaces', () => {
  const options = resolveSupabaseOptions();

  it('adds both namespaces and keeps every other one open when none is configured', () => {
    expect(withSupabaseNamespaces(undefined, options)).toEqual({
      '*': {},
      supabase: { presence: true, joinLeave: true },
      'supabase-private': { presence: true, joinLeave: true, subscribeAccess: 'authenticated' },
    });
  });

  it('keeps the configured ones, whose keys override the defaults', () => {
    expect(withSupabaseNamespaces({ chat: {}, supabase: { historySize: 10, historyTtlMs: 1000, joinLeave: false } }, options)).toEqual({
      chat: {},
      supabase: { presence: true, joinLeave: false, historySize: 10, historyTtlMs: 1000 },
      'supabase-private': { presence: true, joinLeave: true, subscribeAccess: 'authenticated' },
    });
  });
});
