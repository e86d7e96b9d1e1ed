/**
 * The live publications held during a recovery: all of them until bounded, then at most `max`,
 * the newest, remembering the highest offset let go of so that the recovery reads it from history.
 */
import { describe, expect, it } from 'vitest';
import { LiveBuffer } from './live-buffer.js';

const pub = (offset?: number) => (offset === undefined ? { data: 'ephemeral' } : { data: `m${offset}`, offset });

describe('LiveBuffer', () => {
  it('holds everything and lets go of nothing until bounded', () => {
    const buffer = new LiveBuffer(2);
    for (let offset = 1; offset <= 5; offset++) buffer.push(pub(offset));
    expect(buffer.held.length).toBe(5);
    expect(buffer.droppedTo).toBeUndefined();
    expect(buffer.take().map((p) => p.offset)).toEqual([1, 2, 3, 4, 5]);
  });

  it('never holds more than max once bounded: the newest, following on from the highest offset let go of', () => {
    const buffer = new LiveBuffer(10);
    buffer.bound();
    let most = 0;
    for (let offset = 1; offset <= 10_000; offset++) {
      buffer.push(pub(offset));
      most = Math.max(most, buffer.held.length);
    }
    expect(most).toBe(10);
    expect(buffer.droppedTo).toBe(9990);
    expect(buffer.take().map((p) => p.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 9991 + i));
  });

  it('lets go at once of the oldest beyond max when bounded late', () => {
    const buffer = new LiveBuffer(3);
    for (let offset = 1; offset <= 5; offset++) buffer.push(pub(offset));
    buffer.bound();
    expect(buffer.held.length).toBe(3);
    expect(buffer.droppedTo).toBe(2);
  });

  it('counts only numbered publications in droppedTo, and starts over after take or clear', () => {
    const buffer = new LiveBuffer(1);
    buffer.bound();
    buffer.push(pub());
    buffer.push(pub(7));
    expect(buffer.droppedTo).toBeUndefined();
    buffer.push(pub());
    expect(buffer.droppedTo).toBe(7);
    buffer.take();
    expect(buffer.droppedTo).toBeUndefined();
    for (let i = 0; i < 3; i++) buffer.push(pub(i + 10));
    expect(buffer.held.length).toBe(3);
  });
});
