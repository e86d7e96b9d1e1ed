import { describe, expect, it } from 'vitest';
import type { HistoryResult, Publication } from '../broker.js';
import { answerRecovery, liveAfter } from './recover.js';

const pub = (offset: number | undefined, data: unknown = offset): Publication =>
  offset === undefined ? { channel: 'c', data } : { channel: 'c', data, offset, epoch: 'E' };
const history = (top: number, offsets: number[]): HistoryResult => ({
  publications: offsets.map((o) => pub(o)),
  position: { offset: top, epoch: 'E' },
});

describe('answerRecovery', () => {
  it('answers a plain subscribe with the position only', () => {
    expect(answerRecovery(undefined, history(7, []))).toEqual({ result: { recoverable: true, offset: 7, epoch: 'E' }, deliveredUpTo: 7 });
  });

  it('recovers every publication after the position', () => {
    expect(answerRecovery({ offset: 4, epoch: 'E' }, history(6, [5, 6]))).toEqual({
      result: {
        recoverable: true,
        offset: 6,
        epoch: 'E',
        recovered: true,
        publications: [
          { data: 5, offset: 5 },
          { data: 6, offset: 6 },
        ],
      },
      deliveredUpTo: 6,
    });
  });

  it('recovers nothing missed when the position is the top', () => {
    expect(answerRecovery({ offset: 6, epoch: 'E' }, history(6, [])).result).toMatchObject({ recovered: true, publications: [] });
  });

  it('does not recover when the history was trimmed past the position', () => {
    expect(answerRecovery({ offset: 2, epoch: 'E' }, history(6, [4, 5, 6])).result).toEqual({
      recoverable: true,
      offset: 6,
      epoch: 'E',
      recovered: false,
    });
    expect(answerRecovery({ offset: 2, epoch: 'E' }, history(6, [])).result.recovered).toBe(false);
  });

  it('does not recover another epoch, or a position beyond the top', () => {
    expect(answerRecovery({ offset: 6, epoch: 'old' }, history(6, [])).result.recovered).toBe(false);
    expect(answerRecovery({ offset: 9, epoch: 'E' }, history(6, [])).result.recovered).toBe(false);
  });
});

describe('liveAfter', () => {
  it('drops held publications the result delivered, keeps later and ephemeral ones in order', () => {
    const held = [pub(5), pub(undefined, 'typing'), pub(6), pub(7)];
    expect(liveAfter(held, 6).map((p) => p.data)).toEqual(['typing', 7]);
  });

  it('keeps everything on channels without a position', () => {
    expect(liveAfter([pub(undefined, 'a'), pub(undefined, 'b')], undefined).map((p) => p.data)).toEqual(['a', 'b']);
  });
});
