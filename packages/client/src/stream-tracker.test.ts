import { describe, expect, it } from 'vitest';
import { StreamTracker } from './stream-tracker.js';

function tracker(offset: number, epoch = 'E'): StreamTracker {
  const t = new StreamTracker();
  t.subscribed({ recoverable: true, offset, epoch });
  return t;
}

describe('StreamTracker', () => {
  it('takes the position of a recoverable subscribe reply, and none otherwise', () => {
    expect(tracker(5).position).toEqual({ offset: 5, epoch: 'E' });
    const plain = new StreamTracker();
    plain.subscribed({});
    expect(plain.position).toBeUndefined();
    expect(plain.accept({ offset: 1 })).toBe(true);
  });

  it('accepts offsets past the position and drops those at or below it', () => {
    const t = tracker(5);
    expect([4, 5, 6, 6, 7].map((offset) => t.accept({ offset, epoch: 'E' }))).toEqual([false, false, true, false, true]);
    expect(t.position).toEqual({ offset: 7, epoch: 'E' });
  });

  it('always accepts publications without an offset (ephemeral)', () => {
    const t = tracker(5);
    expect(t.accept({})).toBe(true);
    expect(t.position).toEqual({ offset: 5, epoch: 'E' });
  });

  it('follows a new epoch', () => {
    const t = tracker(5);
    expect(t.accept({ offset: 1, epoch: 'F' })).toBe(true);
    expect(t.position).toEqual({ offset: 1, epoch: 'F' });
  });

  it('hands out copies of its position and forgets it on reset', () => {
    const t = tracker(5);
    t.position!.offset = 99;
    expect(t.position?.offset).toBe(5);
    t.reset();
    expect(t.position).toBeUndefined();
  });
});
