import { describe, expect, it } from 'vitest';
import { fnv1a32, jumpHash, shardOf } from './shard.js';

describe('fnv1a32', () => {
  it('matches the reference FNV-1a values', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // 'é' is C3 A9 in UTF-8 (the UTF-16 unit E9 would give another value).
    expect(fnv1a32('é')).toBe(0x1e9de8c1);
  });
});

describe('jumpHash', () => {
  it('matches the published algorithm', () => {
    // Golden values from an independent transcription of Lamping and Veach (2014), in Python.
    expect([jumpHash(0, 1), jumpHash(1, 10), jumpHash(0xdeadbeef, 100), jumpHash(12345, 1000), jumpHash(2 ** 32 - 1, 7)]).toEqual([
      0, 6, 87, 938, 5,
    ]);
  });

  it('moves only the keys that go to the new bucket when one is added', () => {
    let moved = 0;
    for (let key = 0; key < 10_000; key++) {
      const before = jumpHash(key, 4);
      const after = jumpHash(key, 5);
      if (after !== before) {
        expect(after).toBe(4);
        moved++;
      }
    }
    // About 1/5 of the keys move to the new bucket.
    expect(moved).toBeGreaterThan(1_500);
    expect(moved).toBeLessThan(2_500);
  });
});

describe('shardOf', () => {
  it('puts every channel on shard 0 when there is one shard', () => {
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('is stable: a channel maps to the same shard on every node and every version', () => {
    // Changing these values would split a running cluster: nodes must agree on them.
    expect(['chat:lobby', 'a', 'b', 'room:1'].map((channel) => shardOf(channel, 2))).toEqual([1, 0, 1, 1]);
    expect(['chat:lobby', 'a', 'b', 'room:1'].map((channel) => shardOf(channel, 3))).toEqual([1, 0, 2, 2]);
  });

  it('spreads channels evenly over the shards', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3_000; i++) counts[shardOf(`room:${i}`, 3)]!++;
    for (const count of counts) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1_150);
    }
  });
});
