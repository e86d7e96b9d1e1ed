import { describe, expect, it } from 'vitest';
import {
  compareDecimal,
  compileFilter,
  compileFilters,
  FilterError,
  formatFilter,
  formatFilters,
  parseFilter,
  parseFilters,
  type FilterSpec,
} from './filter.js';
import type { TableColumn } from './setup.js';

const columns: TableColumn[] = [
  { name: 'id', typeOid: 23 },
  { name: 'big', typeOid: 20 },
  { name: 'price', typeOid: 1700 },
  { name: 'done', typeOid: 16 },
  { name: 'title', typeOid: 25 },
  { name: 'uid', typeOid: 2950 },
  { name: 'at', typeOid: 1184 },
  { name: 'doc', typeOid: 3802 },
  { name: 'tags', typeOid: 1009 },
  { name: 'score', typeOid: 701 },
];

const match = (filter: string, row: Record<string, unknown>): boolean | undefined => compileFilter(parseFilter(filter), columns)(row);

describe('parseFilter', () => {
  it("reads Supabase's column=op.value, the value kept whole", () => {
    expect(parseFilter('id=eq.42')).toEqual({ column: 'id', op: 'eq', value: '42' });
    expect(parseFilter('title=eq.a.b=c')).toEqual({ column: 'title', op: 'eq', value: 'a.b=c' });
    expect(parseFilter('title=in.(a,"b,c", d)')).toEqual({ column: 'title', op: 'in', value: ['a', 'b,c', 'd'] });
  });

  it('refuses malformed filters with a FilterError saying why', () => {
    expect(() => parseFilter('id')).toThrow(/not column=op.value/);
    expect(() => parseFilter('=eq.1')).toThrow(FilterError);
    expect(() => parseFilter('id=like.1')).toThrow(/operator "like" is not one of/);
    expect(() => parseFilter('id=in.1,2')).toThrow(/in takes a list/);
    expect(() => parseFilter('id=in.()')).toThrow(/at least one value/);
    expect(() => parseFilter('id=in.("a)')).toThrow(/unterminated quote/);
  });

  it('formats back to the same text, quoting in-values that need it', () => {
    for (const text of ['id=eq.42', 'title=in.(a,"b,c")', 'title=neq.']) expect(formatFilter(parseFilter(text))).toBe(text);
    expect(formatFilter({ column: 't', op: 'in', value: ['x"y', ' z'] })).toBe('t=in.("x\\"y"," z")');
  });
});

describe('several filters', () => {
  it('split at & outside quotes, quoted values unquoted, and format back sorted', () => {
    expect(parseFilters('title=eq."a&b"&id=gt.1')).toEqual([
      { column: 'title', op: 'eq', value: 'a&b' },
      { column: 'id', op: 'gt', value: '1' },
    ]);
    expect(parseFilter('title=eq."say \\"hi\\""')).toEqual({ column: 'title', op: 'eq', value: 'say "hi"' });
    expect(formatFilters(parseFilters('title=eq."a&b"&id=gt.1'))).toBe('id=gt.1&title=eq."a&b"');
    expect(formatFilter({ column: 't', op: 'eq', value: '"x' })).toBe('t=eq."\\"x"');
    expect(() => parseFilter('t=eq."x')).toThrow(/quoted value must end with its quote/);
  });

  it('all hold, or the row does not match', () => {
    const both = compileFilters(parseFilters('id=gt.1&done=eq.false'), columns);
    expect([both({ id: 2, done: false }), both({ id: 2, done: true }), both({ id: 1, done: false }), both({ id: 2 })]).toEqual([
      true,
      false,
      false,
      undefined,
    ]);
    expect(both({ done: true })).toBe(false);
  });
});

describe('compileFilter', () => {
  it('applies every operator to integers', () => {
    const row = { id: 5 };
    expect(['eq.5', 'neq.5', 'lt.5', 'lte.5', 'gt.4', 'gte.6', 'in.(1,5)', 'in.(1,2)'].map((f) => match(`id=${f}`, row))).toEqual([
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
  });

  it('compares bigint and numeric exactly, floats as numbers', () => {
    expect(match('big=gt.9007199254740992', { big: '9007199254740993' })).toBe(true);
    expect(match('big=eq.9007199254740993', { big: '9007199254740992' })).toBe(false);
    expect(match('price=gt.10.10', { price: '10.100000000000000000001' })).toBe(true);
    expect(match('price=eq.10.1', { price: '10.10' })).toBe(true);
    expect(match('price=lt.-1', { price: '-2.5' })).toBe(true);
    expect(match('score=lte.1.5', { score: 1.5 })).toBe(true);
  });

  it('compares booleans, strings, uuids and timestamps by their type', () => {
    expect(match('done=eq.true', { done: true })).toBe(true);
    expect(match('done=neq.true', { done: false })).toBe(true);
    expect(match('title=lt.b', { title: 'a' })).toBe(true);
    expect(match('title=in.(x,"a,b")', { title: 'a,b' })).toBe(true);
    expect(match('uid=eq.a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', { uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' })).toBe(true);
    expect(match('at=gt.2024-01-02T03:04:05+01:00', { at: '2024-01-02T03:04:05.123456Z' })).toBe(true);
    expect(match('at=lt.2024-01-01', { at: '2024-01-02T03:04:05.123456Z' })).toBe(false);
  });

  it('matches no row where the column is NULL, and answers undefined where the row lacks it', () => {
    expect(match('id=neq.1', { id: null })).toBe(false);
    expect(match('id=eq.1', {})).toBeUndefined();
  });

  it('refuses unknown columns, non-scalar columns and values of the wrong type', () => {
    const compile = (spec: FilterSpec) => () => compileFilter(spec, columns);
    expect(compile(parseFilter('nope=eq.1'))).toThrow(/unknown column "nope" \(columns: id, big/);
    expect(compile(parseFilter('doc=eq.1'))).toThrow(/doc is json: filters compare scalar columns only/);
    expect(compile(parseFilter('tags=eq.a'))).toThrow(/tags is array/);
    expect(compile(parseFilter('id=eq.abc'))).toThrow(/filter on id \(number\): "abc" is not a number/);
    expect(compile(parseFilter('big=eq.1.5'))).toThrow(/not an integer/);
    expect(compile(parseFilter('price=gt.1e5'))).toThrow(/not a decimal number/);
    expect(compile(parseFilter('done=eq.yes'))).toThrow(/not a boolean/);
    expect(compile(parseFilter('done=lt.true'))).toThrow(/only eq, neq and in apply/);
    expect(compile(parseFilter('at=gt.soon'))).toThrow(/not a timestamp/);
    expect(compile(parseFilter('id=in.(1,x)'))).toThrow(/"x" is not a number/);
  });
});

describe('compareDecimal', () => {
  it('orders decimal strings exactly, signs and zeros included', () => {
    expect(compareDecimal('1.50', '1.5')).toBe(0);
    expect(compareDecimal('-0', '0')).toBe(0);
    expect(compareDecimal('-3', '-20')).toBe(1);
    expect(compareDecimal('100', '99.999')).toBe(1);
    expect(compareDecimal('0.001', '.01')).toBe(-1);
  });
});
