import { msgpackCodec } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { decodePublicationBody, encodePublicationBody } from './publication-body.js';

describe('publication body', () => {
  it('round-trips a publication without its channel, offset and epoch', () => {
    const pub = {
      channel: 'chat:a',
      data: { text: 'hi', n: [1, 2] },
      event: 'msg',
      info: { client: 'c', user: 'u' },
      excludeClient: 'c',
      offset: 7,
      epoch: 'E',
    };
    expect(decodePublicationBody(encodePublicationBody(pub))).toEqual({ data: pub.data, event: 'msg', info: pub.info, excludeClient: 'c' });
  });

  it('omits fields left undefined', () => {
    const body = encodePublicationBody({ channel: 'a', data: null, event: undefined });
    expect(msgpackCodec.decode(body)).toEqual([{ data: null }]);
  });

  it('decodes binary data as plain Uint8Arrays, also from a Node Buffer', () => {
    const body = Buffer.from(encodePublicationBody({ channel: 'a', data: new Uint8Array([0, 0x7c, 255]) }));
    const { data } = decodePublicationBody(body);
    expect(data).toEqual(new Uint8Array([0, 0x7c, 255]));
    expect(Buffer.isBuffer(data)).toBe(false);
  });

  it('refuses data it cannot encode with a TypeError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(() => encodePublicationBody({ channel: 'a', data: deep })).toThrow(TypeError);
    expect(() => encodePublicationBody({ channel: 'a', data: Symbol('s') })).toThrow(/publication data cannot be encoded/);
  });

  it.each([
    ['a value that is not an object', msgpackCodec.encode(42) as Uint8Array],
    ['an array', msgpackCodec.encode([1]) as Uint8Array],
    ['bytes that are not MessagePack', new Uint8Array([0xc1])],
  ])('throws on %s', (_name, bytes) => {
    expect(() => decodePublicationBody(bytes)).toThrow();
  });
});
