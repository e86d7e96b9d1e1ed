import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { jsonCodec } from './json-codec.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

function decodeError(message: string | Uint8Array): ProtocolError {
  try {
    jsonCodec.decode(message);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('decode did not throw');
}

describe('jsonCodec', () => {
  describe('#encode', () => {
    it('writes one compact JSON object, fields in insertion order', () => {
      expect(jsonCodec.encode({ id: 1, method: 'subscribe', params: { channel: 'chat:room-1' } })).toBe(
        '{"id":1,"method":"subscribe","params":{"channel":"chat:room-1"}}',
      );
    });

    it('omits fields that are undefined', () => {
      expect(jsonCodec.encode({ id: 7, method: 'ping', params: undefined })).toBe('{"id":7,"method":"ping"}');
    });

    it('escapes newlines inside strings so that a frame stays on one line', () => {
      expect(jsonCodec.encode({ type: 'message', data: 'a\nb' })).toBe('{"type":"message","data":"a\\nb"}');
    });

    it('writes non-ASCII text as is', () => {
      expect(jsonCodec.encode({ type: 'message', data: 'café ☕' })).toBe('{"type":"message","data":"café ☕"}');
    });
  });

  describe('#join', () => {
    it('separates frames with a newline', () => {
      const message = jsonCodec.join(['{"id":1,"result":{}}', '{"type":"publication","channel":"news","data":1}', '{"type":"ping"}']);
      expect(message).toBe('{"id":1,"result":{}}\n{"type":"publication","channel":"news","data":1}\n{"type":"ping"}');
    });

    it('turns binary frames holding UTF-8 into text', () => {
      expect(jsonCodec.join([bytes('7b2274797065223a2270696e67227d'), '{"id":2,"result":{}}'])).toBe(
        '{"type":"ping"}\n{"id":2,"result":{}}',
      );
    });

    it('gives back a single frame unchanged', () => {
      expect(jsonCodec.join(['{"type":"ping"}'])).toBe('{"type":"ping"}');
    });

    it('refuses a binary frame that is not UTF-8', () => {
      expect(() => jsonCodec.join([bytes('7bff7d')])).toThrowError(
        new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'frame is not valid UTF-8'),
      );
    });
  });

  describe('#decode', () => {
    it('reads one frame', () => {
      expect(jsonCodec.decode('{"id":1,"method":"ping"}')).toEqual([{ id: 1, method: 'ping' }]);
    });

    it('reads newline-separated frames in order', () => {
      expect(jsonCodec.decode('{"id":1,"method":"ping"}\n{"id":2,"method":"unsubscribe","params":{"channel":"a"}}')).toEqual([
        { id: 1, method: 'ping' },
        { id: 2, method: 'unsubscribe', params: { channel: 'a' } },
      ]);
    });

    it('skips blank lines and tolerates CRLF and a trailing newline', () => {
      expect(jsonCodec.decode('\n{"id":1,"method":"ping"}\r\n\r\n  \n{"id":2,"method":"ping"}\n')).toEqual([
        { id: 1, method: 'ping' },
        { id: 2, method: 'ping' },
      ]);
    });

    it('reads a binary message holding UTF-8 JSON', () => {
      // {"id":1,"method":"ping"}
      expect(jsonCodec.decode(bytes('7b226964223a312c226d6574686f64223a2270696e67227d'))).toEqual([{ id: 1, method: 'ping' }]);
    });

    it('gives back what join was given, in order', () => {
      const frames = ['{"id":1,"result":{}}', '{"type":"ping"}', '{"id":2,"error":{"code":104,"message":"x","temporary":false}}'];
      expect(jsonCodec.decode(jsonCodec.join(frames))).toEqual(frames.map((frame) => JSON.parse(frame)));
    });

    it('returns any JSON value and leaves shape checks to parse', () => {
      expect(jsonCodec.decode('[1,2]\n42\nnull\n"x"')).toEqual([[1, 2], 42, null, 'x']);
    });

    it.each([
      ['{"id":1,', 'invalid JSON in frame line 1'],
      ["{'id':1}", 'invalid JSON in frame line 1'],
      ['{"id":1,"method":"ping"}\n{"id":', 'invalid JSON in frame line 2'],
      ['{"id":1,"method":"ping"}\n\n{"id":2}}', 'invalid JSON in frame line 3'],
      ['{"id":1}{"id":2}', 'invalid JSON in frame line 1'],
      ['undefined', 'invalid JSON in frame line 1'],
    ])('rejects %j: %s', (message, text) => {
      const error = decodeError(message);
      expect(error.code).toBe('PROTO_ERR_MALFORMED_FRAME');
      expect(error.message).toBe(text);
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });

    it.each([[''], ['\n'], ['  \r\n\t\n']])('rejects the empty frame %j', (message) => {
      expect(decodeError(message)).toEqual(new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'empty frame'));
      expect(decodeError(message).code).toBe('PROTO_ERR_MALFORMED_FRAME');
    });

    it('rejects an empty binary message', () => {
      expect(decodeError(new Uint8Array(0)).message).toBe('empty frame');
    });

    it.each([
      ['7bff7d', 'a byte that never occurs in UTF-8'],
      ['7b22e282', 'a truncated 3-byte sequence'],
      ['c0af', 'an overlong encoding of "/"'],
      ['eda080', 'a UTF-16 surrogate'],
    ])('rejects the bytes %s (%s) as invalid UTF-8', (hex) => {
      const error = decodeError(bytes(hex));
      expect(error.code).toBe('PROTO_ERR_MALFORMED_FRAME');
      expect(error.message).toBe('frame is not valid UTF-8');
    });
  });
});
