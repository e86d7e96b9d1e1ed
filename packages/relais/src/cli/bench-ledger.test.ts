import { describe, expect, it } from 'vitest';
import { BenchLedger, percentile, summarize } from './bench-ledger.js';

describe('BenchLedger', () => {
  it('expects one delivery per subscriber of each accepted publication, and counts what is missing', () => {
    const ledger = new BenchLedger([2, 1]);
    const a = ledger.subscriber(0);
    const b = ledger.subscriber(0);
    const c = ledger.subscriber(1);
    const p0 = ledger.send(0);
    const q0 = ledger.send(1);
    const p1 = ledger.send(0);
    expect(ledger.pending).toBe(3);
    ledger.deliver(a, p0, 1);
    ledger.settle(0, p0, true);
    ledger.settle(1, q0, true);
    ledger.settle(0, p1, false);
    expect(ledger.expected).toBe(3);
    expect(ledger.missing).toBe(2);
    ledger.deliver(b, p0, 2);
    ledger.deliver(c, q0, 3);
    expect(ledger.missing).toBe(0);
    expect(ledger.complete).toBe(true);
    expect([ledger.sent, ledger.accepted, ledger.failed, ledger.delivered, ledger.duplicated]).toEqual([3, 2, 1, 3, 0]);
  });

  it('counts a second delivery of the same publication to the same subscriber as duplicated, and keeps no sample of it', () => {
    const ledger = new BenchLedger([1]);
    const a = ledger.subscriber(0);
    const p = ledger.send(0);
    ledger.settle(0, p, true);
    ledger.deliver(a, p, 5);
    ledger.deliver(a, p, 6);
    expect([ledger.delivered, ledger.duplicated, ledger.missing, ledger.samples]).toEqual([1, 1, 0, 1]);
    expect([...ledger.latencies()]).toEqual([5]);
  });

  it('finds duplicates exactly when deliveries arrive out of order, past the first growth of its arrays', () => {
    const ledger = new BenchLedger([1]);
    const a = ledger.subscriber(0);
    const sent = Array.from({ length: 300 }, () => ledger.send(0));
    for (const index of [...sent].reverse()) ledger.deliver(a, index, 1);
    for (const index of sent) ledger.settle(0, index, true);
    ledger.deliver(a, 7, 1);
    expect([ledger.delivered, ledger.duplicated, ledger.missing, ledger.expected]).toEqual([300, 1, 0, 300]);
  });

  it('does not count a delivery of an index never sent as delivered', () => {
    const ledger = new BenchLedger([1]);
    const a = ledger.subscriber(0);
    ledger.deliver(a, 3, 1);
    expect([ledger.delivered, ledger.duplicated]).toEqual([0, 1]);
  });

  it('gives the latencies from an index on, for the progress window', () => {
    const ledger = new BenchLedger([1]);
    const a = ledger.subscriber(0);
    for (let i = 0; i < 4; i++) ledger.deliver(a, ledger.send(0), i + 10);
    expect([...ledger.latencies(2)]).toEqual([12, 13]);
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
