import { describe, expect, it } from 'vitest';
import { CatchUp, normalizeRow, type ChangePayload, type Row } from './catch-up.js';

/** The page's rows with the seed's rules: INSERT unless present (newest first), UPDATE in place, DELETE by id. */
function page() {
  let rows: Record<string, unknown>[] = [];
  const apply = (p: ChangePayload) => {
    if (p.eventType === 'INSERT' && !rows.some((r) => r.id === p.new.id)) rows.unshift(p.new);
    if (p.eventType === 'UPDATE') rows = rows.map((r) => (r.id === p.new.id ? p.new : r));
    if (p.eventType === 'DELETE') rows = rows.filter((r) => r.id !== p.old.id);
  };
  return { apply, replace: (next: Row[]) => (rows = [...next]), rows: () => rows.map((r) => `${r.id}${r.emoji}`) };
}

const insert = (id: number | string, emoji: string): ChangePayload => ({ eventType: 'INSERT', new: { id, emoji }, old: {} });
const remove = (id: number | string): ChangePayload => ({ eventType: 'DELETE', new: {}, old: { id } });

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

describe('CatchUp', () => {
  it('gives ids as strings, as the change feed does (PostgREST sends int8 as numbers)', () => {
    expect(normalizeRow({ id: 7, emoji: '🚀' })).toEqual({ id: '7', emoji: '🚀' });
    expect(normalizeRow({})).toEqual({});
    const board = page();
    new CatchUp({ ...board, read: async () => [] }).change(insert(3, '😀'));
    expect(board.rows()).toEqual(['3😀']);
  });

  it('replaces the rows by the read, then applies again the changes that came during it', async () => {
    const board = page();
    const read = deferred<Row[]>();
    const catchUp = new CatchUp({ ...board, read: () => read.promise });
    catchUp.change(insert(1, '😀'));
    const done = catchUp.resync();
    // During the read: a row the read will hold, one it will not, and a delete it still shows.
    catchUp.change(insert(4, '🥳'));
    catchUp.change(insert(5, '🤔'));
    catchUp.change(remove(2));
    read.resolve([
      { id: '4', emoji: '🥳' },
      { id: '3', emoji: '😴' },
      { id: '2', emoji: '😎' },
    ]);
    expect(await done).toBe(true);
    expect(board.rows()).toEqual(['5🤔', '4🥳', '3😴']);
    // After it, changes apply once.
    catchUp.change(insert(6, '🚀'));
    expect(board.rows()).toEqual(['6🚀', '5🤔', '4🥳', '3😴']);
  });

  it('lets a later resync supersede one still reading, and passes a failed read on', async () => {
    const board = page();
    const reads = [deferred<Row[]>(), deferred<Row[]>()];
    let n = 0;
    const catchUp = new CatchUp({ ...board, read: () => reads[n++]!.promise });
    const first = catchUp.resync();
    const second = catchUp.resync();
    reads[1]!.resolve([{ id: '2', emoji: '😎' }]);
    reads[0]!.resolve([{ id: '1', emoji: '😀' }]);
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(board.rows()).toEqual(['2😎']);

    const failing = new CatchUp({ ...board, read: () => Promise.reject(new Error('PGRST000')) });
    await expect(failing.resync()).rejects.toThrow('PGRST000');
    failing.change(insert(9, '🤯'));
    expect(board.rows()).toEqual(['9🤯', '2😎']);
  });
});
