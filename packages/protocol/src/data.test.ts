import { describe, expect, it } from 'vitest';
import { dataError, isWellFormed, type DataRules } from './data.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const PORTABLE: DataRules = { maxDepth: 32, portable: true };
const HOOK_DATA: DataRules = { maxDepth: 32, portable: false };

/** The value a JSON decoder makes of one literal line. */
const json = (text: string): unknown => jsonCodec.decode(text)[0];
/** The value a MessagePack decoder makes of literal bytes. */
const msgpack = (hex: string): unknown => msgpackCodec.decode(bytes(hex))[0];

const nested = (depth: number, inner: unknown = []): unknown => {
  let value = inner;
  for (let i = 1; i < depth; i++) value = [value];
  return value;
};

describe('isWellFormed', () => {
  it('is false for lone surrogates only', () => {
    expect(isWellFormed('x:\ufffd')).toBe(true);
    expect(isWellFormed('😀')).toBe(true);
    expect(isWellFormed('x:\ud800')).toBe(false);
    expect(isWellFormed('\udc00x')).toBe(false);
    expect(isWellFormed('😀'.slice(0, 1))).toBe(false);
  });
});

describe('dataError', () => {
  it.each([
    ['null', 'null'],
    ['numbers, -0 and large ones', '[0,-0,1.5,-2,1e300,9007199254740993]'],
    ['strings, non-ASCII and pairs included', '["", "é", "😀", "\\ud83d\\ude00", "\\u0000"]'],
    ['nested objects and arrays', '{"a":{"b":[1,{"c":null}]},"":true,"constructor":1}'],
  ])('passes portable JSON: %s', (_name, text) => {
    expect(dataError(json(text), PORTABLE)).toBeUndefined();
  });

  it.each([
    // {"a":[1,2.5,"é"]}
    ['a map of an array', '81a1619301cb4004000000000000a2c3a9'],
    // float 64 -0.0
    ['-0.0', 'cb8000000000000000'],
    // nil
    ['nil', 'c0'],
  ])('passes portable MessagePack: %s', (_name, hex) => {
    expect(dataError(msgpack(hex), PORTABLE)).toBeUndefined();
  });

  it.each([
    ['1e400 (Infinity)', '{"a":[1e400]}', 'data.a[0] is Infinity, which JSON cannot carry'],
    ['-1e400', '-1e400', 'data is -Infinity, which JSON cannot carry'],
    ['a lone surrogate', '{"t":"x\\ud800"}', 'data.t is not well-formed Unicode (it holds a lone surrogate)'],
    ['a lone surrogate in a key', '{"k":{"\\udc00":1}}', 'data.k has a key that is not well-formed Unicode (it holds a lone surrogate)'],
    ['a __proto__ key', '{"__proto__":{"x":1}}', 'data has the key "__proto__", which is not allowed (MessagePack refuses it)'],
    [
      'a __proto__ key deeper',
      '[{"a b":{"__proto__":1}}]',
      'data[0]["a b"] has the key "__proto__", which is not allowed (MessagePack refuses it)',
    ],
  ])('refuses JSON data that MessagePack would not carry identically: %s', (_name, text, message) => {
    expect(dataError(json(text), PORTABLE)).toEqual({ kind: 'value', message });
  });

  it.each([
    // {"b":<bin 01 02>}
    ['bin', '81a162c4020102', 'data.b is binary data, which JSON cannot carry'],
    // timestamp 32: 1970-01-01T00:00:01Z
    ['a timestamp', 'd6ff00000001', 'data is a timestamp (Date), which JSON cannot carry'],
    // fixext 1, type 5
    ['another extension', 'd40501', 'data is an instance of ExtData, not a plain object or array'],
    // float 64 NaN
    ['NaN', 'cb7ff8000000000000', 'data is NaN, which JSON cannot carry'],
    // ["\ud800"] written as WTF-8 (ed a0 80), which this decoder reads back as a lone surrogate
    ['a lone surrogate', '91a3eda080', 'data[0] is not well-formed Unicode (it holds a lone surrogate)'],
  ])('refuses MessagePack data that JSON would not carry identically: %s', (_name, hex, message) => {
    expect(dataError(msgpack(hex), PORTABLE)).toEqual({ kind: 'value', message });
  });

  it('refuses values only the server side can make', () => {
    expect(dataError([undefined], PORTABLE)?.message).toBe('data[0] is undefined (use null)');
    expect(dataError({ n: 1n }, PORTABLE)?.message).toBe('data.n is a bigint, which neither encoding carries');
    expect(dataError({ f: () => 1 }, PORTABLE)?.message).toBe('data.f is a function, which neither encoding carries');
    expect(dataError(new Map(), PORTABLE)?.message).toBe('data is an instance of Map, not a plain object or array');
    expect(dataError(Buffer.from('x'), PORTABLE)?.message).toBe('data is binary data, which JSON cannot carry');
    expect(dataError(Object.create(null) as object, PORTABLE)).toBeUndefined();
    // Both encodings leave out a field that is undefined.
    expect(dataError({ a: undefined, b: 1 }, PORTABLE)).toBeUndefined();
  });

  it('allows binary, timestamps and non-finite numbers where data need not be portable, never __proto__', () => {
    expect(dataError(msgpack('81a162c4020102'), HOOK_DATA)).toBeUndefined();
    expect(dataError(msgpack('d6ff00000001'), HOOK_DATA)).toBeUndefined();
    expect(dataError(json('[1e400,"\\ud800"]'), HOOK_DATA)).toBeUndefined();
    expect(dataError(json('{"a":{"__proto__":1}}'), HOOK_DATA)?.message).toBe(
      'data.a has the key "__proto__", which is not allowed (MessagePack refuses it)',
    );
  });

  it('bounds the depth: [] is 1 level, a scalar 0', () => {
    expect(dataError(nested(32), PORTABLE)).toBeUndefined();
    expect(dataError(nested(32, { a: 1 }), PORTABLE)).toBeUndefined();
    expect(dataError(nested(33), PORTABLE)).toEqual({ kind: 'depth', message: 'data is nested deeper than 32 levels' });
    expect(dataError(nested(33), HOOK_DATA)).toEqual({ kind: 'depth', message: 'data is nested deeper than 32 levels' });
    expect(dataError(1, { maxDepth: 0, portable: true })).toBeUndefined();
    expect(dataError([], { maxDepth: 0, portable: true })?.kind).toBe('depth');
  });

  it('walks 20,000 levels from either decoder without overflowing the stack', () => {
    const text = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(dataError(json(text), PORTABLE)).toEqual({ kind: 'depth', message: 'data is nested deeper than 32 levels' });
    const deep = new Uint8Array(20_001).fill(0x91);
    deep[20_000] = 0x90;
    expect(dataError(msgpackCodec.decode(deep)[0], HOOK_DATA)?.kind).toBe('depth');
    expect(dataError(json(text), { maxDepth: 30_000, portable: true })).toBeUndefined();
  });

  it('ends on a cycle (server-side values) as on any value too deep', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(dataError(cycle, HOOK_DATA)?.kind).toBe('depth');
  });

  it('names the path, quoting keys that are not identifiers, with the name given', () => {
    expect(dataError({ items: [{ 'x-y': NaN }] }, PORTABLE, 'publish.data')?.message).toBe(
      'publish.data.items[0]["x-y"] is NaN, which JSON cannot carry',
    );
    expect(dataError({ ['k'.repeat(40)]: NaN }, PORTABLE)?.message).toBe(`data["${'k'.repeat(32)}…"] is NaN, which JSON cannot carry`);
  });
});
