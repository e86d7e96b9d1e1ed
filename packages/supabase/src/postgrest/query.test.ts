import { describe, expect, it } from 'vitest';
import { PostgrestError } from './errors.js';
import { parseInsert, parseRead } from './query.js';
import { insertStatement, selectStatement } from './sql.js';
import type { RestTable } from './tables.js';

const table: RestTable = {
  schema: 'public',
  table: 'humeur',
  columns: [
    { name: 'id', typeOid: 23 },
    { name: 'nom', typeOid: 25 },
    { name: 'meta', typeOid: 3802 },
  ],
  authorize: () => ({ conditions: [] }),
};

const refusal = (run: () => unknown): { status: number; code: string } => {
  try {
    run();
  } catch (error) {
    if (error instanceof PostgrestError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('not refused');
};

describe('parseRead', () => {
  it('reads select, limit, offset, order and eq filters', () => {
    const query = parseRead(table, new URLSearchParams('select=nom,"id"&limit=2&offset=1&order=id.desc.nullslast,nom&id=eq.7'));
    expect(query).toEqual({
      columns: ['nom', 'id'],
      filters: [{ column: 'id', value: '7' }],
      order: [
        { column: 'id', descending: true, nulls: 'last' },
        { column: 'nom', descending: false },
      ],
      limit: 2,
      offset: 1,
    });
    expect(parseRead(table, new URLSearchParams('select=*')).columns).toEqual(['id', 'nom', 'meta']);
  });

  it('refuses what is not served', () => {
    expect(refusal(() => parseRead(table, new URLSearchParams('id=gt.1')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('or=(id.eq.1)')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('select=nom,rel(*)')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('select=id::text')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('limit=-1')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('limit=1&limit=2')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('order=id.sideways')))).toEqual({ status: 400, code: 'PGRST100' });
    expect(refusal(() => parseRead(table, new URLSearchParams('select=secret')))).toEqual({ status: 400, code: '42703' });
    expect(refusal(() => parseRead(table, new URLSearchParams('secret=eq.1')))).toEqual({ status: 400, code: '42703' });
  });
});

describe('parseInsert', () => {
  const body = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('takes one object or an array; columns lists what is written, a missing key null or the default', () => {
    expect(parseInsert(table, new URLSearchParams(), body({ nom: 'a', meta: [1] }), false)).toEqual({
      columns: ['nom', 'meta'],
      rows: [['a', '[1]']],
      returning: ['id', 'nom', 'meta'],
    });
    const listed = new URLSearchParams('columns="nom","id"&select=id');
    expect(parseInsert(table, listed, body([{ nom: 'a' }, { id: 2 }]), false).rows).toEqual([
      ['a', null],
      [null, 2],
    ]);
    expect(parseInsert(table, listed, body([{ nom: 'a' }]), true).rows).toEqual([['a', undefined]]);
  });

  it('refuses bad bodies and unknown columns', () => {
    expect(refusal(() => parseInsert(table, new URLSearchParams(), Buffer.from('{'), false))).toEqual({ status: 400, code: 'PGRST102' });
    expect(refusal(() => parseInsert(table, new URLSearchParams(), body([]), false))).toEqual({ status: 400, code: 'PGRST102' });
    expect(refusal(() => parseInsert(table, new URLSearchParams(), body([{ nom: 'a' }, { id: 1 }]), false))).toEqual({
      status: 400,
      code: 'PGRST102',
    });
    expect(refusal(() => parseInsert(table, new URLSearchParams(), body({ secret: 1 }), false))).toEqual({ status: 400, code: 'PGRST204' });
    expect(refusal(() => parseInsert(table, new URLSearchParams('on_conflict=id'), body({ id: 1 }), false))).toEqual({
      status: 400,
      code: 'PGRST100',
    });
  });
});

describe('statements', () => {
  it('keep every value a parameter', () => {
    const read = selectStatement(table, parseRead(table, new URLSearchParams("nom=eq.x'; DROP TABLE humeur;--&limit=1")), [
      { column: 'id', op: 'in', value: ['1', '2'] },
    ]);
    expect(read.text).toBe(
      `SELECT coalesce(json_agg(r), '[]'::json)::text AS body FROM (SELECT "id", "nom", "meta" FROM "public"."humeur" WHERE "id" = ANY($1) AND "nom" = $2 LIMIT $3) r`,
    );
    expect(read.values).toEqual([['1', '2'], "x'; DROP TABLE humeur;--", 1]);
    const insert = insertStatement(table, { columns: ['nom', 'id'], rows: [['a', undefined]], returning: ['id'] }, [
      { column: 'nom', op: 'eq', value: 'a' },
    ]);
    expect(insert.text).toContain('VALUES ($1, DEFAULT) RETURNING *');
    expect(insert.text).toContain('WHERE NOT coalesce("nom" = $2, false)');
    expect(insert.values).toEqual(['a', 'a']);
  });
});
