import { describe, expect, it } from 'vitest';
import { frameBytes, truncateReason } from './transport.js';

describe('truncateReason', () => {
  it('keeps a reason of at most 123 bytes as is', () => {
    expect(truncateReason('x'.repeat(123))).toBe('x'.repeat(123));
  });

  it('cuts a longer reason at 123 bytes of UTF-8 without splitting a character', () => {
    const cut = truncateReason('é'.repeat(100));
    expect(cut).toBe('é'.repeat(61));
    expect(Buffer.byteLength(cut)).toBe(122);
  });
});

describe('frameBytes', () => {
  it('measures text as UTF-8 and binary by length', () => {
    expect(frameBytes('é')).toBe(2);
    expect(frameBytes(new Uint8Array(3))).toBe(3);
  });

  it('measures each text anew (the last one measured is remembered, not reused for another)', () => {
    const ascii = `{"x":"${'a'.repeat(5)}"}`;
    const accented = `{"x":"${'é'.repeat(5)}"}`;
    expect(ascii.length).toBe(accented.length);
    expect(frameBytes(ascii)).toBe(13);
    expect(frameBytes(ascii)).toBe(13);
    expect(frameBytes(accented)).toBe(18);
    expect(frameBytes(`{"x":"${'a'.repeat(5)}"}`)).toBe(13);
  });
});
