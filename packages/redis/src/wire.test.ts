import { msgpackCodec } from '@relais/protocol';
import { encodePublicationBody } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeJoinLeave, encodePublication } from './wire.js';

describe('wire', () => {
  it('round-trips a publication without its channel, binary data as Uint8Array', () => {
    const decoded = decodeMessage(encodePublication({ channel: 'chat:a', data: { b: new Uint8Array([1, 2, 0x7c]) }, event: 'e' }));
    expect(decoded).toEqual({ type: 'publication', pub: { data: { b: new Uint8Array([1, 2, 0x7c]) }, event: 'e' } });
    const data = (decoded as { pub: { data: { b: Uint8Array } } }).pub.data;
    expect(Buffer.isBuffer(data.b)).toBe(false);
  });

  it('reads the offset and epoch from the header that a Lua script writes', () => {
    const body = encodePublicationBody({ channel: 'a', data: 'x', offset: 99, epoch: 'ignored' });
    const message = Buffer.concat([Buffer.from('p|42|Ab-9_|'), body]);
    expect(decodeMessage(message)).toEqual({ type: 'publication', pub: { data: 'x', offset: 42, epoch: 'Ab-9_' } });
  });

  it('round-trips join and leave', () => {
    const info = { client: 'c', user: 'u', info: { n: 1 } };
    expect(decodeMessage(encodeJoinLeave('join', info))).toEqual({ type: 'join', info });
    expect(decodeMessage(encodeJoinLeave('leave', info))).toEqual({ type: 'leave', info });
  });

  const bytes = (header: string, value: unknown) => Buffer.concat([Buffer.from(header), msgpackCodec.encode(value) as Uint8Array]);
  it.each([
    ['garbage', Buffer.from('not a relais message')],
    ['a body that is not MessagePack', Buffer.from('p|||{')],
    ['a body that is not an object', bytes('p|||', 42)],
    ['an unknown kind', bytes('x|||', { data: 1 })],
    ['a bad offset', bytes('p|-1|e|', { data: 1 })],
    ['a join without client info', bytes('j|||', { user: 'u' })],
  ])('throws on %s', (_name, message) => {
    expect(() => decodeMessage(message)).toThrow();
  });
});
