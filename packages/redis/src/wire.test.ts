import { msgpackCodec } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodePublication } from './wire.js';

describe('wire', () => {
  it('round-trips a publication without its channel, binary data as Uint8Array', () => {
    const bytes = encodePublication({ channel: 'chat:a', data: { b: new Uint8Array([1, 2]) }, event: 'e', offset: 3, epoch: 'x' });
    const decoded = decodeMessage(Buffer.from(bytes));
    expect(decoded).toEqual({ type: 'publication', pub: { data: { b: new Uint8Array([1, 2]) }, event: 'e', offset: 3, epoch: 'x' } });
    expect(Buffer.isBuffer((decoded.pub.data as { b: Uint8Array }).b)).toBe(false);
  });

  it('omits fields left undefined', () => {
    const bytes = encodePublication({ channel: 'a', data: null, event: undefined });
    expect(msgpackCodec.decode(bytes)).toEqual([{ type: 'publication', pub: { data: null } }]);
  });

  it.each([
    ['garbage', new TextEncoder().encode('not msgpack {')],
    ['a number', msgpackCodec.encode(42) as Uint8Array],
    ['an unknown type', msgpackCodec.encode({ type: 'other', pub: {} }) as Uint8Array],
    ['a publication without body', msgpackCodec.encode({ type: 'publication' }) as Uint8Array],
  ])('throws on %s', (_name, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow();
  });
});
