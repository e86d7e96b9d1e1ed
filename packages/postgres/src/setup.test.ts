import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresFeedError } from './errors.js';
import { checkWalLevel, parseTableName } from './setup.js';

/** A connection that answers SHOW wal_level with `level`. */
const answering = (level: string) => ({ query: async () => ({ rows: [{ wal_level: level }] }) }) as unknown as pg.ClientBase;

describe('checkWalLevel', () => {
  it('accepts wal_level=logical', async () => {
    await expect(checkWalLevel(answering('logical'))).resolves.toBeUndefined();
  });

  it('refuses any other level with the way to set it', async () => {
    const check = checkWalLevel(answering('replica'));
    await expect(check).rejects.toThrow(PostgresFeedError);
    await expect(checkWalLevel(answering('replica'))).rejects.toThrow(
      'PostgreSQL has wal_level=replica; the change feed needs wal_level=logical. Run "ALTER SYSTEM SET wal_level = logical" (or set it in postgresql.conf) and restart PostgreSQL.',
    );
  });
});

describe('parseTableName', () => {
  it('reads table and schema.table, public by default', () => {
    expect(parseTableName('todos')).toEqual({ schema: 'public', table: 'todos' });
    expect(parseTableName('app.todos')).toEqual({ schema: 'app', table: 'todos' });
    expect(() => parseTableName('a.b.c')).toThrow(PostgresFeedError);
    expect(() => parseTableName('.x')).toThrow(/"table" or "schema.table"/);
  });
});
