import { describe, expect, it } from 'vitest';
import { inSnapshot, parseSnapshot } from './snapshot.js';

describe('snapshot visibility', () => {
  it('reads pg_current_snapshot() into 32-bit xmax and xip', () => {
    expect(parseSnapshot('740:750:741,745')).toEqual({ xmax: 750, xip: [741, 745] });
    expect(parseSnapshot('740:740:')).toEqual({ xmax: 740, xip: [] });
    // Past the first epoch, 64-bit ids wrap to the 32 bits that Begin messages carry.
    expect(parseSnapshot(`${2 ** 32 + 5}:${2 ** 32 + 9}:${2 ** 32 + 7}`)).toEqual({ xmax: 9, xip: [7] });
  });

  it('holds the transactions before xmax that were not in progress', () => {
    const snapshot = { xmax: 750, xip: [741, 745] };
    expect([700, 740, 741, 744, 745, 749, 750, 800].map((xid) => inSnapshot(snapshot, xid))).toEqual([
      true,
      true,
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('compares across the wrap of 32-bit ids', () => {
    const snapshot = { xmax: 5, xip: [] };
    expect(inSnapshot(snapshot, 2 ** 32 - 10)).toBe(true);
    expect(inSnapshot(snapshot, 6)).toBe(false);
  });
});
