import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeSpread, DRAIN_TICK_MS } from './drain.js';

describe('closeSpread', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes evenly over the window, one batch per tick, the first at once', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const closed: number[] = [];
    let done = false;
    void closeSpread(items, 1_000, (item) => closed.push(item)).then(() => (done = true));
    // 1000 ms / 50 ms = 20 batches of 5.
    expect(closed).toEqual([0, 1, 2, 3, 4]);
    await vi.advanceTimersByTimeAsync(DRAIN_TICK_MS);
    expect(closed).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(DRAIN_TICK_MS * 9);
    expect(closed).toHaveLength(55);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(DRAIN_TICK_MS * 9);
    expect(closed).toEqual(items);
    expect(done).toBe(true);
  });

  it('spreads fewer items than batches, each once, in order', async () => {
    const closed: string[] = [];
    const finished = closeSpread(['a', 'b', 'c'], 500, (item) => closed.push(item));
    await vi.advanceTimersByTimeAsync(500);
    await finished;
    expect(closed).toEqual(['a', 'b', 'c']);
  });

  it('closes everything at once with a window shorter than a tick, or nothing to close', async () => {
    const closed: number[] = [];
    await closeSpread([1, 2, 3], 0, (item) => closed.push(item));
    expect(closed).toEqual([1, 2, 3]);
    await closeSpread([], 10_000, () => {
      throw new Error('nothing to close');
    });
  });
});
