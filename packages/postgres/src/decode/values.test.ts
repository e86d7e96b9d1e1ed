import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './lsn.js';
import { parseArrayLiteral, parseValue, valueKind } from './values.js';

describe('parseValue', () => {
  it('types scalars by OID', () => {
    expect(parseValue('42', 23)).toBe(42);
    expect(parseValue('-7', 21)).toBe(-7);
    expect(parseValue('9007199254740993', 20)).toBe('9007199254740993');
    expect(parseValue('9007199254740993', 20, { bigint: 'number' })).toBe(9007199254740992);
    expect(parseValue('12345678901234567890.125', 1700)).toBe('12345678901234567890.125');
    expect(parseValue('1.5', 701)).toBe(1.5);
    expect(parseValue('NaN', 701)).toBe('NaN');
    expect(parseValue('-Infinity', 700)).toBe('-Infinity');
    expect(parseValue('t', 16)).toBe(true);
    expect(parseValue('f', 16)).toBe(false);
    expect(parseValue('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 2950)).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(parseValue('{"a": [1, 2]}', 3802)).toEqual({ a: [1, 2] });
    expect(parseValue('[1,"x"]', 114)).toEqual([1, 'x']);
    expect(parseValue('2024-01-02 03:04:05.123456+00', 1184)).toBe('2024-01-02T03:04:05.123456Z');
    expect(parseValue('2024-01-02 03:04:05', 1114)).toBe('2024-01-02T03:04:05');
    expect(parseValue('infinity', 1184)).toBe('infinity');
    expect(parseValue('2024-01-02', 1082)).toBe('2024-01-02');
    expect(parseValue('\\x0102', 17)).toBe('\\x0102');
    expect(parseValue('happy', 99999)).toBe('happy');
  });

  it('types arrays element by element, nested and with NULL', () => {
    expect(parseValue('{1,2,NULL}', 1007)).toEqual([1, 2, null]);
    expect(parseValue('{{1,2},{3,4}}', 1007)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseValue('{"a b","c,d","e\\"f",NULL,"NULL"}', 1009)).toEqual(['a b', 'c,d', 'e"f', null, 'NULL']);
    expect(parseValue('{t,f}', 1000)).toEqual([true, false]);
    expect(parseValue('{"{\\"a\\": 1}"}', 3807)).toEqual([{ a: 1 }]);
    expect(parseValue('{}', 1016)).toEqual([]);
    expect(parseValue('[0:1]={5,6}', 1007)).toEqual([5, 6]);
  });

  it('throws on a malformed array literal', () => {
    expect(() => parseArrayLiteral('{1,2', String)).toThrow(TypeError);
    expect(() => parseArrayLiteral('{1,,2}', String)).toThrow(TypeError);
    expect(() => parseArrayLiteral('{"a}', String)).toThrow(TypeError);
    expect(() => parseArrayLiteral('{1}x', String)).toThrow(TypeError);
  });

  it('names the kind of value a column holds', () => {
    expect([23, 20, 1700, 16, 25, 3802, 1184, 1007].map(valueKind)).toEqual([
      'number',
      'bigint',
      'string',
      'boolean',
      'string',
      'json',
      'timestamp',
      'array',
    ]);
  });
});

describe('LSN', () => {
  it('parses and formats X/Y positions', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
    expect(() => parseLsn('16-B3')).toThrow(TypeError);
  });
});
