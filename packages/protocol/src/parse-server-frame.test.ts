import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
import { parseServerFrame } from './parse.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Decodes one literal server frame and parses it. */
function parse(frame: string | Uint8Array) {
  const codec = typeof frame === 'string' ? jsonCodec : msgpackCodec;
  const values = codec.decode(frame);
  expect(values).toHaveLength(1);
  return parseServerFrame(values[0]);
}

function frameError(frame: string): ProtocolError {
  try {
    parse(frame);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('parseServerFrame did not throw');
}

describe('parseServerFrame', () => {
  describe('replies', () => {
    it('reads a result reply', () => {
      expect(parse('{"id":2,"result":{"offset":42,"epoch":"a1b2"}}')).toEqual({ id: 2, result: { offset: 42, epoch: 'a1b2' } });
    });

    it('reads a result that is null or empty', () => {
      expect(parse('{"id":2,"result":null}')).toEqual({ id: 2, result: null });
      expect(parse('{"id":2,"result":{}}')).toEqual({ id: 2, result: {} });
    });

    it('reads an error reply', () => {
      expect(parse('{"id":3,"error":{"code":111,"message":"too many requests","temporary":true}}')).toEqual({
        id: 3,
        error: { code: 111, message: 'too many requests', temporary: true },
      });
    });

    it('reads an error reply from a literal MessagePack frame', () => {
      // {"id":8,"error":{"code":111,"message":"too many requests","temporary":true}}
      expect(
        parse(bytes('82a2696408a56572726f7283a4636f64656fa76d657373616765b1746f6f206d616e79207265717565737473a974656d706f72617279c3')),
      ).toEqual({ id: 8, error: { code: 111, message: 'too many requests', temporary: true } });
    });

    it('treats a missing or non-boolean temporary flag as false', () => {
      expect(parse('{"id":3,"error":{"code":107,"message":"bad request"}}')).toEqual({
        id: 3,
        error: { code: 107, message: 'bad request', temporary: false },
      });
      expect(parse('{"id":3,"error":{"code":107,"message":"bad request","temporary":"yes"}}')).toMatchObject({
        error: { temporary: false },
      });
    });

    it('ignores unknown fields of a reply and of its error', () => {
      expect(parse('{"id":3,"result":{"x":1},"node":"n1"}')).toEqual({ id: 3, result: { x: 1 } });
      expect(parse('{"id":3,"error":{"code":107,"message":"m","temporary":false,"details":[1]},"node":"n1"}')).toEqual({
        id: 3,
        error: { code: 107, message: 'm', temporary: false },
      });
    });

    it('prefers the error when a reply carries both', () => {
      expect(parse('{"id":3,"result":{},"error":{"code":100,"message":"m","temporary":true}}')).toEqual({
        id: 3,
        error: { code: 100, message: 'm', temporary: true },
      });
    });

    it.each([
      ['{"id":0,"result":{}}'],
      ['{"id":-1,"result":{}}'],
      ['{"id":1.5,"result":{}}'],
      ['{"id":"1","result":{}}'],
      ['{"id":null,"result":{}}'],
      ['{"id":9007199254740992,"result":{}}'],
    ])('rejects the reply %s for its id', (frame) => {
      const error = frameError(frame);
      expect(error.code).toBe('PROTO_ERR_INVALID_ID');
      expect(error.message).toBe('reply id must be a positive integer');
    });

    it('rejects a reply with neither result nor error', () => {
      const error = frameError('{"id":3}');
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe('reply must carry result or error');
    });

    it.each([
      ['{"id":3,"error":"boom"}'],
      ['{"id":3,"error":null}'],
      ['{"id":3,"error":{"message":"m"}}'],
      ['{"id":3,"error":{"code":"107","message":"m"}}'],
      ['{"id":3,"error":{"code":107}}'],
    ])('rejects the malformed error reply %s', (frame) => {
      const error = frameError(frame);
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe('reply error must be {code, message, temporary}');
    });
  });

  describe('pushes', () => {
    it('reads a push and keeps its unknown fields', () => {
      expect(parse('{"type":"publication","channel":"news","data":1,"tags":{"lang":"fr"}}')).toEqual({
        type: 'publication',
        channel: 'news',
        data: 1,
        tags: { lang: 'fr' },
      });
    });

    it('reads a push from a literal MessagePack frame', () => {
      // {"type":"disconnect","code":3001,"reason":"shutdown","reconnect":true}
      expect(
        parse(bytes('84a474797065aa646973636f6e6e656374a4636f6465cd0bb9a6726561736f6ea873687574646f776ea97265636f6e6e656374c3')),
      ).toEqual({
        type: 'disconnect',
        code: 3001,
        reason: 'shutdown',
        reconnect: true,
      });
    });

    it.each([
      ['{"type":"presence_sync","channel":"chat:room-1","clients":[]}'],
      ['{"type":"refresh","expiresInMs":60000}'],
      ['{"type":""}'],
    ])('returns null for the unknown push type in %s, so the client ignores it', (frame) => {
      expect(parse(frame)).toBeNull();
    });

    it('needs no channel for message, disconnect and ping', () => {
      expect(parse('{"type":"message","data":null}')).toEqual({ type: 'message', data: null });
      expect(parse('{"type":"ping"}')).toEqual({ type: 'ping' });
    });

    it.each(['publication', 'join', 'leave', 'subscribe', 'unsubscribe'])('rejects a %s push without a channel', (type) => {
      const error = frameError(`{"type":"${type}","channel":7}`);
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe(`${type} push must carry a channel`);
    });

    it('rejects a disconnect push without a code', () => {
      const error = frameError('{"type":"disconnect","reason":"shutdown"}');
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe('disconnect push must carry a code');
    });

    it.each([['{}'], ['{"type":7}'], ['{"channel":"news","data":1}']])('rejects %s, which has neither id nor type', (frame) => {
      const error = frameError(frame);
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe('push must carry a type');
    });
  });

  it.each([['[]'], ['null'], ['42'], ['"ping"']])('rejects %s as a server frame', (frame) => {
    const error = frameError(frame);
    expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
    expect(error.message).toBe('server frame must be an object');
  });
});
