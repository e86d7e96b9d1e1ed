import { describe, expect, it } from 'vitest';
import type { HistoryOptions, Publication } from '../broker.js';
import { OptionsError } from '../option-checks.js';
import { encodePublicationBody } from '../publication-body.js';
import { answerRecovery } from '../recovery/recover.js';
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
    const streams = new MemoryStreams({ now: c.now, metaTtlMs: HOUR });
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
    const streams = new MemoryStreams({ now: c.now, metaTtlMs: HOUR });
    const first = streams.append({ channel: 'busy', data: 1 }, { size: 10, ttlMs: 1_000 });
    c.advance(HOUR - 1);
    streams.append({ channel: 'busy', data: 2 }, { size: 10, ttlMs: 1_000 });
    c.advance(HOUR - 1);
    const third = streams.append({ channel: 'busy', data: 3 }, { size: 10, ttlMs: 1_000 });
    expect(third).toMatchObject({ offset: 3, epoch: first.epoch });
  });

  it('keeps a stream past its meta TTL while it still keeps publications', () => {
    const c = clock();
    const streams = new MemoryStreams({ now: c.now, metaTtlMs: HOUR });
    const first = streams.append({ channel: 'kept', data: 1 }, { size: 10, ttlMs: 3 * HOUR });
    c.advance(2 * HOUR);
    expect(streams.read('kept', {})).toMatchObject({ position: { offset: 1, epoch: first.epoch }, publications: [{ data: 1 }] });
    expect(streams.size).toBe(1);
  });

  it('forgets a stream that was only read', () => {
    const c = clock();
    const streams = new MemoryStreams({ now: c.now, metaTtlMs: HOUR });
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

/** Every publication below has a body of exactly U bytes (one digit of data: 0 to 9). */
const U = encodePublicationBody({ channel: '', data: 'p0' }).byteLength;
const KEEP: HistoryOptions = { size: 100, ttlMs: 60_000 };
const pub = (channel: string, n: number): Publication => ({ channel, data: `p${n}` });
const offsets = (streams: MemoryStreams, channel: string): number[] =>
  streams.read(channel, {}).publications.map((p) => p.offset as number);

describe('MemoryStreams byte accounting', () => {
  it('counts each kept publication by the length of its encoded body, and stops counting it once trimmed', () => {
    const c = clock();
    const streams = new MemoryStreams({ now: c.now });
    const short = { size: 2, ttlMs: 1_000 };
    const long = { size: 2, ttlMs: 3_600_000 };
    streams.append(pub('a', 1), short);
    streams.append(pub('b', 1), long);
    const big = { channel: 'a', data: { text: 'x'.repeat(1000), n: [1, 2, 3] }, event: 'msg', info: { client: 'c', user: 'u' } };
    streams.append(big, short);
    expect(streams.bytes).toBe(2 * U + encodePublicationBody(big).byteLength);
    streams.append(pub('a', 2), short); // trims a's first by size
    expect(streams.bytes).toBe(2 * U + encodePublicationBody(big).byteLength);
    c.advance(60_000); // a's expired: dropped within a minute, though nobody touches a
    streams.append(pub('b', 2), long);
    expect([streams.bytes, streams.count]).toEqual([2 * U, 2]);
    streams.remove('b');
    expect([streams.bytes, streams.count]).toEqual([0, 0]);
  });

  it('drops expired publications at the oldest end on every publish', () => {
    const c = clock();
    const streams = new MemoryStreams({ now: c.now });
    streams.append(pub('a', 1), { size: 2, ttlMs: 1_000 });
    c.advance(1_000);
    streams.append(pub('b', 1), KEEP);
    expect([streams.bytes, streams.count]).toEqual([U, 1]);
  });

  it('holds nothing more than the kept publications after many trims', () => {
    const streams = new MemoryStreams({ now: () => 0 });
    for (let i = 0; i < 10_000; i++) streams.append(pub(`c${i % 3}`, i % 10), { size: 5, ttlMs: 60_000, maxBytes: 4 * U });
    expect([streams.count, streams.bytes]).toEqual([12, 12 * U]);
    expect(offsets(streams, 'c0')).toEqual([3331, 3332, 3333, 3334]);
  });

  it('delivers the publication object itself, and reads fresh decoded copies', () => {
    const streams = new MemoryStreams({ now: () => 0 });
    const data = { list: [1, 2], bin: new Uint8Array([0, 255, 0x7c]) };
    const delivered = streams.append({ channel: 'a', data }, KEEP);
    expect(delivered.data).toBe(data);
    const [first] = streams.read('a', {}).publications;
    expect(first).toEqual({ channel: 'a', data, offset: 1, epoch: delivered.epoch });
    expect(Buffer.isBuffer((first!.data as typeof data).bin)).toBe(false);
    (first!.data as typeof data).list.push(3);
    (first!.data as typeof data).bin[0] = 9;
    expect(streams.read('a', {}).publications[0]!.data).toEqual({ list: [1, 2], bin: new Uint8Array([0, 255, 0x7c]) });
  });

  it('skips, as the Redis engine does, a kept body no decoder reads (a __proto__ key given to the broker directly)', () => {
    const streams = new MemoryStreams({ now: () => 0 });
    streams.append(pub('a', 1), KEEP);
    streams.append({ channel: 'a', data: JSON.parse('{"__proto__":{"x":1}}') as unknown }, KEEP);
    streams.append(pub('a', 3), KEEP);
    expect(offsets(streams, 'a')).toEqual([1, 3]);
  });

  it('takes no offset for a publication it cannot encode', () => {
    const streams = new MemoryStreams({ now: () => 0 });
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(() => streams.append({ channel: 'a', data: deep }, KEEP)).toThrow(/publication data cannot be encoded/);
    expect(streams.append(pub('a', 1), KEEP).offset).toBe(1);
  });
});

describe('MemoryStreams node-wide cap (maxBytes)', () => {
  it('drops the globally oldest publications first, keeping offsets and epochs', () => {
    const streams = new MemoryStreams({ now: () => 0, maxBytes: 3 * U });
    const a1 = streams.append(pub('a', 1), KEEP);
    streams.append(pub('b', 1), KEEP);
    streams.append(pub('a', 2), KEEP);
    streams.append(pub('b', 2), KEEP); // over the cap: a's 1 goes
    expect([offsets(streams, 'a'), offsets(streams, 'b'), streams.bytes]).toEqual([[2], [1, 2], 3 * U]);
    streams.append(pub('a', 3), KEEP); // b's 1 goes
    expect([offsets(streams, 'a'), offsets(streams, 'b'), streams.bytes]).toEqual([[2, 3], [2], 3 * U]);
    const read = streams.read('a', { since: { offset: 0, epoch: a1.epoch as string } });
    expect(read.position).toEqual({ offset: 3, epoch: a1.epoch });
    // Recovery from before a dropped publication is refused, as after a size or TTL trim.
    expect(answerRecovery({ offset: 0, epoch: a1.epoch as string }, read).result.recovered).toBe(false);
    const after = streams.read('a', { since: { offset: 1, epoch: a1.epoch as string } });
    expect(answerRecovery({ offset: 1, epoch: a1.epoch as string }, after).result).toMatchObject({
      recovered: true,
      publications: [{ offset: 2 }, { offset: 3 }],
    });
  });

  it("keeps no publication larger than the cap, drops its own channel's, and leaves other channels alone", () => {
    const streams = new MemoryStreams({ now: () => 0, maxBytes: 3 * U });
    streams.append(pub('a', 1), KEEP);
    streams.append(pub('b', 1), KEEP);
    const huge = streams.append({ channel: 'b', data: 'x'.repeat(3 * U) }, KEEP);
    expect(huge.offset).toBe(2);
    expect([offsets(streams, 'a'), offsets(streams, 'b'), streams.bytes]).toEqual([[1], [], U]);
    expect(streams.read('b', {}).position.offset).toBe(2);
  });
});

describe('MemoryBus maxHistoryBytes', () => {
  it('caps the history of every broker on the bus, and reports the total', async () => {
    const bus = new MemoryBus({ maxHistoryBytes: 2 * U });
    for (const channel of ['a', 'b', 'c']) bus.publish(pub(channel, 1), { history: KEEP });
    expect([bus.historyBytes, bus.historyCount]).toEqual([2 * U, 2]);
    expect(bus.history('a', {}).publications).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])('refuses %s with an OptionsError naming the option', (value) => {
    expect(() => new MemoryBus({ maxHistoryBytes: value })).toThrow(OptionsError);
    expect(() => new MemoryBus({ maxHistoryBytes: value })).toThrow(/option MemoryBus maxHistoryBytes must be a positive integer/);
  });
});
