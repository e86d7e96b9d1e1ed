import { describe, expect, it } from 'vitest';
import { UnusedChannels } from './unused-channels.js';

describe('UnusedChannels', () => {
  it('names a channel once it had no subscriber for the idle time, counted from the first sweep that saw it unused', () => {
    const unused = new UnusedChannels();
    expect(unused.update(['a', 'b'], new Set(['a']), 1_000, 500)).toEqual([]);
    expect(unused.update(['a', 'b'], new Set(['a']), 1_400, 500)).toEqual([]);
    expect(unused.update(['a', 'b'], new Set(['a']), 1_500, 500)).toEqual(['b']);
  });

  it('starts counting again when the channel had a subscriber in between', () => {
    const unused = new UnusedChannels();
    unused.update(['a'], new Set(), 0, 500);
    unused.update(['a'], new Set(['a']), 400, 500);
    expect(unused.update(['a'], new Set(), 600, 500)).toEqual([]);
    expect(unused.update(['a'], new Set(), 1_100, 500)).toEqual(['a']);
  });

  it('keeps nothing for channels no longer routed (bounded by the routes)', () => {
    const unused = new UnusedChannels();
    unused.update(['a', 'b', 'c'], new Set(), 0, 500);
    expect(unused.size).toBe(3);
    unused.update(['c'], new Set(), 100, 500);
    expect(unused.size).toBe(1);
  });
});
