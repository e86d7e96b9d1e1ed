import { describe, expect, it } from 'vitest';
import { BenchLedger, DeliveryBook, percentile, summarize } from './bench-ledger.js';

describe('DeliveryBook', () => {
  it('counts each publication once per subscriber and a second delivery as duplicated, without a sample for it', () => {
    const book = new DeliveryBook(1);
    const a = book.subscriber(0);
    book.deliver(a, 0, 5);
    book.deliver(a, 0, 6);
    const take = book.take();
    expect([take.delivered, take.duplicated, [...take.samples]]).toEqual([1, 1, [5]]);
    expect(book.take()).toEqual({ delivered: 0, duplicated: 0, samples: new Float64Array(0) });
  });

  it('finds duplicates exactly when deliveries arrive out of order, past the first growth of its arrays', () => {
    const book = new DeliveryBook(2);
    const a = book.subscriber(1);
    for (let index = 299; index >= 0; index--) book.deliver(a, index, 1);
    book.deliver(a, 7, 1);
    expect(book.take()).toMatchObject({ delivered: 300, duplicated: 1 });
    const [first, second] = book.counts();
    expect(first).toEqual(new Uint32Array(0));
    expect(second!.length).toBe(300);
    expect(second!.every((count) => count === 1)).toBe(true);
  });
});

describe('BenchLedger', () => {
  it('expects one delivery per subscriber of each accepted publication, none of a refused one', () => {
    const ledger = new BenchLedger([2, 1]);
    const p0 = ledger.send(0);
    const q0 = ledger.send(1);
    const p1 = ledger.send(0);
    expect([p0, q0, p1, ledger.pending]).toEqual([0, 0, 1, 3]);
    ledger.settle(0, p0, true);
    ledger.settle(1, q0, true);
    ledger.settle(0, p1, false);
    ledger.settle(0, p1, true); // settled already: ignored
    expect([ledger.sent, ledger.accepted, ledger.failed, ledger.pending, ledger.expected]).toEqual([3, 2, 1, 0, 3]);
    expect(ledger.complete).toBe(false);
  });

  it('adds what the books took, and merges their counts into an exact missing count', () => {
    const ledger = new BenchLedger([2, 1]);
    const one = new DeliveryBook(2);
    const two = new DeliveryBook(2);
    const a = one.subscriber(0);
    const b = two.subscriber(0);
    const c = two.subscriber(1);
    for (let i = 0; i < 2; i++) ledger.settle(0, ledger.send(0), true);
    ledger.settle(1, ledger.send(1), true);
    one.deliver(a, 0, 1);
    one.deliver(a, 1, 2);
    two.deliver(b, 1, 3);
    two.deliver(c, 0, 4);
    two.deliver(c, 0, 4);
    ledger.add(one.take());
    ledger.add(two.take());
    expect([ledger.delivered, ledger.duplicated, ledger.expected, ledger.samples]).toEqual([4, 1, 5, 4]);
    expect(ledger.complete).toBe(false);
    ledger.merge([one.counts(), two.counts()]);
    expect(ledger.missing).toBe(1); // publication 0 of channel 0 never reached the second subscriber
    expect([...ledger.latencies(1)]).toEqual([2, 3, 4]);
  });

  it('is complete once everything is settled and delivered', () => {
    const ledger = new BenchLedger([1]);
    const book = new DeliveryBook(1);
    const a = book.subscriber(0);
    const index = ledger.send(0);
    book.deliver(a, index, 1);
    ledger.add(book.take());
    expect(ledger.complete).toBe(false);
    ledger.settle(0, index, true);
    expect(ledger.complete).toBe(true);
    ledger.merge([book.counts()]);
    expect(ledger.missing).toBe(0);
  });
});

describe('percentile and summarize', () => {
  it('take the nearest rank over the raw samples', () => {
    const samples = Float64Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted
    expect(summarize(samples)).toEqual({ samples: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentile(Float64Array.from([1, 2, 3]), 50)).toBe(2);
    expect(summarize(new Float64Array(0))).toEqual({ samples: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
