import { describe, expect, it } from 'vitest';
import { JSON_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, MSGPACK_V2_SUBPROTOCOL } from './codec.js';
import { jsonCodec, jsonV2Codec } from './json-codec.js';
import { msgpackCodec, msgpackV2Codec } from './msgpack-codec.js';
import { CODECS, codecForSubprotocol, namespaceOf, negotiateSubprotocol } from './negotiate.js';

describe('negotiateSubprotocol', () => {
  it('speaks JSON without a subprotocol when the client offers none', () => {
    expect(negotiateSubprotocol([])).toEqual({ codec: jsonCodec, subprotocol: undefined });
  });

  it('picks JSON when the client offers relais.v1.json', () => {
    expect(negotiateSubprotocol(['relais.v1.json'])).toEqual({ codec: jsonCodec, subprotocol: 'relais.v1.json' });
  });

  it('picks MessagePack when the client offers relais.v1.msgpack', () => {
    expect(negotiateSubprotocol(['relais.v1.msgpack'])).toEqual({
      codec: msgpackCodec,
      subprotocol: 'relais.v1.msgpack',
    });
  });

  it('refuses an offer that holds no relais subprotocol', () => {
    expect(negotiateSubprotocol(['mqtt'])).toBe(false);
    expect(negotiateSubprotocol(['relais.v3.json', 'relais.v1.cbor'])).toBe(false);
  });

  it('picks protocol v2 when offered first, and v1 after an unknown version', () => {
    expect(negotiateSubprotocol(['relais.v2.json', 'relais.v1.json'])).toEqual({ codec: jsonV2Codec, subprotocol: 'relais.v2.json' });
    expect(negotiateSubprotocol(['relais.v2.msgpack', 'relais.v1.msgpack'])).toEqual({
      codec: msgpackV2Codec,
      subprotocol: 'relais.v2.msgpack',
    });
    expect(negotiateSubprotocol(['relais.v1.json', 'relais.v2.json'])).toMatchObject({ codec: jsonCodec });
  });

  it('follows the client order of preference', () => {
    expect(negotiateSubprotocol(['relais.v1.msgpack', 'relais.v1.json'])).toMatchObject({ codec: msgpackCodec });
    expect(negotiateSubprotocol(['relais.v1.json', 'relais.v1.msgpack'])).toMatchObject({ codec: jsonCodec });
  });

  it('skips unknown subprotocols before a known one', () => {
    expect(negotiateSubprotocol(['relais.v3.msgpack', 'relais.v1.msgpack'])).toEqual({
      codec: msgpackCodec,
      subprotocol: 'relais.v1.msgpack',
    });
  });

  it('matches subprotocols case-sensitively, as RFC 6455 tokens', () => {
    expect(negotiateSubprotocol(['Relais.V1.Json'])).toBe(false);
  });

  it('accepts any iterable, such as the Set given by ws', () => {
    expect(negotiateSubprotocol(new Set(['relais.v1.msgpack']))).toMatchObject({ codec: msgpackCodec });
  });
});

describe('codecForSubprotocol', () => {
  it('maps each v1 and v2 subprotocol to its codec', () => {
    expect(codecForSubprotocol('relais.v1.json')).toBe(jsonCodec);
    expect(codecForSubprotocol('relais.v1.msgpack')).toBe(msgpackCodec);
    expect(codecForSubprotocol('relais.v2.json')).toBe(jsonV2Codec);
    expect(codecForSubprotocol('relais.v2.msgpack')).toBe(msgpackV2Codec);
    expect(codecForSubprotocol('relais.v1.cbor')).toBeUndefined();
    expect([...CODECS.keys()]).toEqual([JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, MSGPACK_V2_SUBPROTOCOL]);
  });

  it('describes each codec by name, subprotocol, frame kind and protocol version', () => {
    const describe = (codec: typeof jsonCodec) => [codec.name, codec.subprotocol, codec.binary, codec.version ?? 1];
    expect(describe(jsonCodec)).toEqual(['json', 'relais.v1.json', false, 1]);
    expect(describe(msgpackCodec)).toEqual(['msgpack', 'relais.v1.msgpack', true, 1]);
    expect(describe(jsonV2Codec)).toEqual(['json', 'relais.v2.json', false, 2]);
    expect(describe(msgpackV2Codec)).toEqual(['msgpack', 'relais.v2.msgpack', true, 2]);
  });
});

describe('namespaceOf', () => {
  it.each([
    ['chat:room-1', 'chat'],
    ['chat:room:1', 'chat'],
    ['news', ''],
    [':lobby', ''],
    ['chat:', 'chat'],
    ['', ''],
  ])('gives the namespace of %j as %j', (channel, namespace) => {
    expect(namespaceOf(channel)).toBe(namespace);
  });
});
