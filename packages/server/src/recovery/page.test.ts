import { jsonCodec, msgpackCodec, type HistoryResult, type PublicationData, type SubscribeResult } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { fitPage, pageHistory, pageRecovery, type PageRoom } from './page.js';

/** A publication whose JSON encoding is exactly `bytes` long: {"data":"xxx…","offset":N}. */
function pub(offset: number, bytes = 100): PublicationData {
  const overhead = JSON.stringify({ data: '', offset }).length;
  return { data: 'x'.repeat(bytes - overhead), offset };
}
const pubs = (count: number, bytes = 100): PublicationData[] => Array.from({ length: count }, (_, i) => pub(i + 1, bytes));
const room = (over: Partial<PageRoom> = {}): PageRoom => ({
  queuedBytes: 0,
  envelopeBytes: 50,
  maxPageBytes: 1_000,
  maxQueueBytes: 2_000,
  ...over,
});
const limits = { maxPageBytes: 1_000, maxQueueBytes: 2_000 };

describe('fitPage', () => {
  it('takes every publication whose bytes, with one separator each, stay within maxPageBytes', () => {
    expect(fitPage(pubs(9, 110), jsonCodec, room())).toEqual({ count: 9, oversized: false }); // 9 × 111 = 999
    expect(fitPage(pubs(10, 110), jsonCodec, room())).toEqual({ count: 9, oversized: false });
    expect(fitPage([], jsonCodec, room())).toEqual({ count: 0, oversized: false });
  });

  it('counts what the connection already queued against the page, down to none', () => {
    expect(fitPage(pubs(10, 99), jsonCodec, room({ queuedBytes: 500 })).count).toBe(5);
    expect(fitPage(pubs(10, 99), jsonCodec, room({ queuedBytes: 950 }))).toEqual({ count: 0, oversized: false });
  });

  it('measures with the connection codec', () => {
    const binary = Array.from({ length: 10 }, (_, i) => ({ data: new Uint8Array(90), offset: i + 1 }));
    // MessagePack: 90 bytes of bin plus a few of framing; JSON spells every byte out.
    expect(fitPage(binary, msgpackCodec, room()).count).toBe(9);
    expect(fitPage(binary, jsonCodec, room()).count).toBeLessThan(5);
  });

  it('takes a first publication larger than the page alone when the reply fits in the queue', () => {
    expect(fitPage([pub(1, 1_500), pub(2)], jsonCodec, room())).toEqual({ count: 1, oversized: false });
    expect(fitPage([pub(1, 1_500)], jsonCodec, room({ queuedBytes: 500 }))).toEqual({ count: 0, oversized: false });
  });

  it('says oversized when the first publication could not fit in any queue of this connection', () => {
    expect(fitPage([pub(1, 1_960)], jsonCodec, room())).toEqual({ count: 0, oversized: true });
    expect(fitPage([pub(1, 1_949)], jsonCodec, room())).toEqual({ count: 1, oversized: false });
  });
});

describe('pageHistory', () => {
  const history = (count: number, bytes = 100): HistoryResult => ({ publications: pubs(count, bytes), offset: count, epoch: 'E' });

  it('leaves a result that fits alone', () => {
    const result = history(5);
    pageHistory(result, jsonCodec, limits, 0);
    expect(result).toEqual(history(5));
  });

  it('cuts a result that does not fit and says more', () => {
    const result = history(20);
    pageHistory(result, jsonCodec, limits, 0);
    expect(result.publications.map((p) => p.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result).toMatchObject({ offset: 20, epoch: 'E', more: true });
  });

  it('answers no publication and more while the queue is too full for the first one', () => {
    const result = history(3);
    pageHistory(result, jsonCodec, limits, 1_950);
    expect(result).toEqual({ publications: [], offset: 3, epoch: 'E', more: true });
  });

  it('refuses with 106 a publication larger than the queue', () => {
    const result: HistoryResult = { publications: [pub(7, 3_000)], offset: 7, epoch: 'E' };
    expect(() => pageHistory(result, jsonCodec, limits, 0)).toThrow(expect.objectContaining({ code: 106 }));
  });
});

describe('pageRecovery', () => {
  const recovered = (count: number): SubscribeResult => ({
    recoverable: true,
    offset: count,
    epoch: 'E',
    recovered: true,
    publications: pubs(count),
  });

  it('leaves a recovery that fits, and results that recovered nothing', () => {
    for (const result of [
      recovered(3),
      { recoverable: true, offset: 3, epoch: 'E', recovered: false },
      { recoverable: true, offset: 3, epoch: 'E' },
    ]) {
      const copy = structuredClone(result);
      pageRecovery(copy, false, jsonCodec, limits, 0);
      expect(copy).toEqual(result);
    }
  });

  it('gives a client that pages the first page and more', () => {
    const result = recovered(20);
    pageRecovery(result, true, jsonCodec, limits, 0);
    expect(result).toMatchObject({ offset: 20, recovered: true, more: true });
    expect(result.publications).toHaveLength(9);
  });

  it('answers recovered:false to a client that does not page, and to a publication larger than the queue', () => {
    const result = recovered(20);
    pageRecovery(result, false, jsonCodec, limits, 0);
    expect(result).toEqual({ recoverable: true, offset: 20, epoch: 'E', recovered: false });
    const huge: SubscribeResult = { recoverable: true, offset: 1, epoch: 'E', recovered: true, publications: [pub(1, 3_000)] };
    pageRecovery(huge, true, jsonCodec, limits, 0);
    expect(huge).toEqual({ recoverable: true, offset: 1, epoch: 'E', recovered: false });
  });
});
