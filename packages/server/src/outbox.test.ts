import { jsonCodec, msgpackCodec } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { KEPT_REST_SLOTS, Outbox } from './outbox.js';

describe('Outbox', () => {
  it('is empty at first: no message, no frames, no bytes', () => {
    const outbox = new Outbox();
    expect(outbox.size).toBe(0);
    expect(outbox.message(jsonCodec)).toBeUndefined();
    expect(outbox.frames()).toEqual([]);
    expect(outbox.bytes()).toBe(0);
  });

  it('gives a single frame back as the message itself, not joined', () => {
    const outbox = new Outbox();
    const frame = '{"id":1}';
    outbox.push(frame);
    expect(outbox.size).toBe(1);
    expect(outbox.message(jsonCodec)).toBe(frame);
    expect(outbox.bytes()).toBe(frame.length + 1);
  });

  it('joins several frames in order with the codec', () => {
    const outbox = new Outbox();
    for (const id of [1, 2, 3]) outbox.push(`{"id":${id}}`);
    expect(outbox.size).toBe(3);
    expect(outbox.frames()).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
    expect(outbox.message(jsonCodec)).toBe('{"id":1}\n{"id":2}\n{"id":3}');
    expect(outbox.bytes()).toBe(3 * 9);
  });

  it('joins binary frames with a binary codec', () => {
    const outbox = new Outbox();
    const frames = [msgpackCodec.encode({ id: 1 }), msgpackCodec.encode({ id: 2 })];
    for (const frame of frames) outbox.push(frame);
    expect(outbox.message(msgpackCodec)).toEqual(msgpackCodec.join(frames));
  });

  it('starts over after clear, keeping the order of what comes next', () => {
    const outbox = new Outbox();
    outbox.push('a');
    outbox.push('b');
    outbox.push('c');
    outbox.clear();
    expect(outbox.size).toBe(0);
    expect(outbox.frames()).toEqual([]);
    outbox.push('d');
    outbox.push('e');
    expect(outbox.frames()).toEqual(['d', 'e']);
    expect(outbox.message(jsonCodec)).toBe('d\ne');
  });

  it('works the same after a burst larger than the slots it keeps', () => {
    const outbox = new Outbox();
    const burst = Array.from({ length: KEPT_REST_SLOTS * 3 }, (_, i) => String(i));
    for (const frame of burst) outbox.push(frame);
    expect(outbox.frames()).toEqual(burst);
    outbox.clear();
    expect(outbox.size).toBe(0);
    outbox.push('x');
    outbox.push('y');
    expect(outbox.frames()).toEqual(['x', 'y']);
  });

  it('returns a copy from frames(): changing it leaves the queue alone', () => {
    const outbox = new Outbox();
    outbox.push('a');
    outbox.push('b');
    const copy = outbox.frames();
    copy.length = 0;
    expect(outbox.frames()).toEqual(['a', 'b']);
  });

  it('keeps the first frame in `first` and counts the later ones in `more`', () => {
    const outbox = new Outbox();
    outbox.push('a');
    expect([outbox.first, outbox.more]).toEqual(['a', 0]);
    outbox.push('b');
    outbox.push('c');
    expect([outbox.first, outbox.more]).toEqual(['a', 2]);
    outbox.clear();
    expect([outbox.first, outbox.more]).toEqual([undefined, 0]);
  });
});
