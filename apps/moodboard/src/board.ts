/**
 * @module moodboard/src/board
 * The moods a page shows, kept by row id: a snapshot replaces them, INSERT and UPDATE set a
 * row, DELETE removes one, TRUNCATE empties the board. Newest first (ids are int8 strings),
 * at most `max` kept.
 */
import type { RowChange } from '@relais/client/changes';
import { isMoodRow, MOODS, type MoodRow } from '../shared/protocol.js';

/** Most moods shown (the server keeps 200 by default). */
export const MAX_SHOWN = 200;

/** Orders int8 ids given as decimal strings: newest (largest) first. */
function newestFirst(a: MoodRow, b: MoodRow): number {
  return b.id.length - a.id.length || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

/** The board after a snapshot of `rows` (rows that are not moods are left out). */
export function fromSnapshot(rows: readonly unknown[], max = MAX_SHOWN): MoodRow[] {
  return rows.filter(isMoodRow).sort(newestFirst).slice(0, max);
}

/** The board after one change; the same array when the change does not touch it. */
export function applyChange(board: readonly MoodRow[], change: RowChange, max = MAX_SHOWN): readonly MoodRow[] {
  switch (change.event) {
    case 'INSERT':
    case 'UPDATE': {
      const row = change.new;
      if (!isMoodRow(row)) return board;
      return [row, ...board.filter((m) => m.id !== row.id)].sort(newestFirst).slice(0, max);
    }
    case 'DELETE': {
      const id = (change.old as { id?: unknown } | undefined)?.id;
      return board.some((m) => m.id === id) ? board.filter((m) => m.id !== id) : board;
    }
    case 'TRUNCATE':
      return [];
    default:
      return board;
  }
}

/** How many of each mood the board shows, in the order of MOODS; moods nobody posted are left out. */
export function tally(board: readonly MoodRow[]): { emoji: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const mood of board) counts.set(mood.emoji, (counts.get(mood.emoji) ?? 0) + 1);
  return MOODS.filter((emoji) => counts.has(emoji)).map((emoji) => ({ emoji, count: counts.get(emoji)! }));
}
