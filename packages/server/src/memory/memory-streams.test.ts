import { describe, expect, it } from 'vitest';
import { OptionsError } from '../option-checks.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryStreams } from './memory-streams.js';

const HOUR = 3_600_000;

function clock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('MemoryStreams', () => {
  it('forgets a stream without publications once its meta TTL passed since the last publish', () => {
    const c = clock();
    const streams = new MemoryStreams(c.now, HOUR);
    const first = streams.append({ channel: 'once', data: 1 }, { size: 10, ttlMs: 60_000 });
    expect(first.offset).toBe(1);
    c.advance(HOUR);
    // A publish elsewhere triggers the sweep; `once` kept nothing (its history TTL passed).
    streams.append({ channel: 'other', data: 1 }, { size: 10, ttlMs: 60_000 });
    expect(streams.size).toBe(1);
    const again = streams.append({ channel: 'once', data: 2 }, { size: 10, ttlMs: 60_000 });
    expect(again.offset).toBe(1);
    expect(again.epoch).not.toBe(first.epoch);
  });

  it('keeps the position of a stream published to within its meta TTL', () => {
    const c = clock();
    const streams = new MemoryStreams(c.now, HOUR);
    const first = streams.append({ channel: 'busy', data: 1 }, { size: 10, ttlMs: 1_000 });
    c.advance(HOUR - 1);
    streams.append({ channel: 'busy', data: 2 }, { size: 10, ttlMs: 1_000 });
    c.advance(HOUR - 1);
    const third = streams.append({ channel: 'busy', data: 3 }, { size: 10, ttlMs: 1_000 });
    expect(third).toMatchObject({ offset: 3, epoch: first.epoch });
  });

  it('keeps a stream past its meta TTL while it still keeps publications', () => {
    const c = clock();
    const streams = new MemoryStreams(c.now, HOUR);
    const first = streams.append({ channel: 'kept', data: 1 }, { size: 10, ttlMs: 3 * HOUR });
    c.advance(2 * HOUR);
    expect(streams.read('kept', {})).toMatchObject({ position: { offset: 1, epoch: first.epoch }, publications: [{ data: 1 }] });
    expect(streams.size).toBe(1);
  });

  it('forgets a stream that was only read', () => {
    const c = clock();
    const streams = new MemoryStreams(c.now, HOUR);
    const { position } = streams.read('read-only', {});
    c.advance(HOUR);
    streams.read('another', {});
    expect(streams.size).toBe(1);
    expect(streams.read('read-only', {}).position.epoch).not.toBe(position.epoch);
  });
});

describe('MemoryBus historyMetaTtlMs', () => {
  it.each([0, -1, Number.NaN, Infinity])('refuses %s with an OptionsError naming the option', (value) => {
    expect(() => new MemoryBus({ historyMetaTtlMs: value })).toThrow(OptionsError);
    expect(() => new MemoryBus({ historyMetaTtlMs: value })).toThrow(/MemoryBus option historyMetaTtlMs must be a positive number of ms/);
  });
});
