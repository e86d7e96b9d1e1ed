import { describe, expect, it } from 'vitest';
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL } from './codec.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
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
    expect(negotiateSubprotocol(['relais.v2.json', 'relais.v1.cbor'])).toBe(false);
  });

  it('follows the client order of preference', () => {
    expect(negotiateSubprotocol(['relais.v1.msgpack', 'relais.v1.json'])).toMatchObject({ codec: msgpackCodec });
    expect(negotiateSubprotocol(['relais.v1.json', 'relais.v1.msgpack'])).toMatchObject({ codec: jsonCodec });
  });

  it('skips unknown subprotocols before a known one', () => {
    expect(negotiateSubprotocol(['relais.v2.msgpack', 'relais.v1.msgpack'])).toEqual({
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
  it('maps each v1 subprotocol to its codec', () => {
    expect(codecForSubprotocol('relais.v1.json')).toBe(jsonCodec);
    expect(codecForSubprotocol('relais.v1.msgpack')).toBe(msgpackCodec);
    expect(codecForSubprotocol('relais.v1.cbor')).toBeUndefined();
    expect([...CODECS.keys()]).toEqual([JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL]);
  });

  it('describes each codec by name, subprotocol and frame kind', () => {
    expect([jsonCodec.name, jsonCodec.subprotocol, jsonCodec.binary]).toEqual(['json', 'relais.v1.json', false]);
    expect([msgpackCodec.name, msgpackCodec.subprotocol, msgpackCodec.binary]).toEqual(['msgpack', 'relais.v1.msgpack', true]);
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
