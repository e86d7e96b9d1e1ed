import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_PATH, DEFAULT_IDLE_TIMEOUT_MS, resolveSupabaseOptions } from './options.js';

describe('resolveSupabaseOptions', () => {
  it('fills the defaults in', () => {
    expect(resolveSupabaseOptions()).toEqual({
      namespace: 'supabase',
      privateNamespace: 'supabase-private',
      basePath: DEFAULT_BASE_PATH,
      idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
      maxFrameBytes: 1_048_576,
      maxChannelsPerSocket: 100,
      maxBodyBytes: 1_048_576,
      restPath: '/rest/v1',
      restInsert: [],
    });
  });

  it.each([
    [{ nope: 1 }, 'supabase: unknown option nope'],
    [{ namespace: 'a:b' }, 'supabase.namespace must be 1–64 letters, digits, _ or -, got "a:b"'],
    [{ namespace: 'x', privateNamespace: 'x' }, 'supabase.namespace and supabase.privateNamespace must differ'],
    [{ basePath: 'realtime' }, 'supabase.basePath must start with / and not end with /, got "realtime"'],
    [{ restPath: '/rest/' }, 'supabase.restPath must start with / and not end with /, got "/rest/"'],
    [{ restInsert: ['a.b.c'] }, 'supabase.restInsert must list tables as "table" or "schema.table"'],
    [{ restInsert: 'humeur' }, 'supabase.restInsert must list tables as "table" or "schema.table"'],
    [{ basePath: '/realtime/' }, 'supabase.basePath must start with / and not end with /, got "/realtime/"'],
    [{ idleTimeoutMs: 0 }, 'supabase.idleTimeoutMs must be a positive integer, got 0'],
    [{ maxFrameBytes: 1.5 }, 'supabase.maxFrameBytes must be a positive integer, got 1.5'],
  ])('refuses %j', (options, message) => {
    expect(() => resolveSupabaseOptions(options as never)).toThrow(new TypeError(message));
  });
});
