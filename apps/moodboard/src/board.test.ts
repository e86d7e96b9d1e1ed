import type { RowChange } from '@relais/client/changes';
import { describe, expect, it } from 'vitest';
import type { MoodRow } from '../shared/protocol.js';
import { applyChange, fromSnapshot, tally } from './board.js';

const mood = (id: string, emoji = '😀', author = 'Ada'): MoodRow => ({ id, emoji, author, created_at: '2026-01-02T03:04:05.000000Z' });
const change = (event: RowChange['event'], row: Partial<RowChange> = {}): RowChange =>
  ({ schema: 'public', table: 'humeur', event, commitTimestamp: '', lsn: '0/1', seq: 0, xid: 1, ...row }) as RowChange;

describe('the board', () => {
  it('orders a snapshot newest first by int8 id, leaving out rows that are not moods, capped', () => {
    expect(fromSnapshot([mood('9'), mood('10'), { id: 3 }, mood('100')]).map((m) => m.id)).toEqual(['100', '10', '9']);
    expect(fromSnapshot([mood('1'), mood('2'), mood('3')], 2).map((m) => m.id)).toEqual(['3', '2']);
  });

  it('sets a row on INSERT and UPDATE, removes it on DELETE, empties on TRUNCATE', () => {
    let board: readonly MoodRow[] = [mood('1')];
    board = applyChange(board, change('INSERT', { new: mood('2', '🚀') }));
    expect(board.map((m) => m.id)).toEqual(['2', '1']);
    board = applyChange(board, change('UPDATE', { new: mood('1', '😴') }));
    expect(board.map((m) => `${m.id}${m.emoji}`)).toEqual(['2🚀', '1😴']);
    board = applyChange(board, change('DELETE', { old: { id: '2' } }));
    expect(board.map((m) => m.id)).toEqual(['1']);
    expect(applyChange(board, change('TRUNCATE'))).toEqual([]);
  });

  it('leaves the board as it is for changes that do not touch it', () => {
    const board = [mood('1')];
    expect(applyChange(board, change('DELETE', { old: { id: '7' } }))).toBe(board);
    expect(applyChange(board, change('INSERT', { new: { id: 5 } as never }))).toBe(board);
    expect(applyChange(board, change('RESET'))).toBe(board);
  });

  it('drops the oldest beyond the cap', () => {
    expect(applyChange([mood('2'), mood('1')], change('INSERT', { new: mood('3') }), 2).map((m) => m.id)).toEqual(['3', '2']);
  });

  it('counts each mood, in the order of the mood list', () => {
    expect(tally([mood('1', '🚀'), mood('2', '😀'), mood('3', '🚀')])).toEqual([
      { emoji: '😀', count: 1 },
      { emoji: '🚀', count: 2 },
    ]);
  });
});
