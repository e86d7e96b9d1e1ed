import { describe, expect, it } from 'vitest';
import { ProtocolError, ReplyError } from './errors.js';
import { msgpackCodec } from './msgpack-codec.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (frame: string | Uint8Array): string => Buffer.from(frame as Uint8Array).toString('hex');

/** {"id":1,"method":"ping"} */
const PING_1 = '82a2696401a66d6574686f64a470696e67';
/** {"id":2,"method":"ping"} */
const PING_2 = '82a2696402a66d6574686f64a470696e67';
/** {"type":"ping"} */
const PING_PUSH = '81a474797065a470696e67';

function decodeError(message: string | Uint8Array): ProtocolError {
  try {
    msgpackCodec.decode(message);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('decode did not throw');
}

describe('msgpackCodec', () => {
  describe('#encode', () => {
    it('writes one MessagePack map, keys in insertion order', () => {
      expect(hex(msgpackCodec.encode({ id: 1, method: 'ping' }))).toBe(PING_1);
      expect(hex(msgpackCodec.encode({ type: 'ping' }))).toBe(PING_PUSH);
    });

    it('omits fields that are undefined, as JSON does', () => {
      expect(hex(msgpackCodec.encode({ id: 1, method: 'ping', params: undefined }))).toBe(PING_1);
    });

    it('writes binary data as bin', () => {
      // {"type":"message","data":<bin 01 02 03>}
      expect(hex(msgpackCodec.encode({ type: 'message', data: Uint8Array.from([1, 2, 3]) }))).toBe(
        '82a474797065a76d657373616765a464617461c403010203',
      );
    });

    it('writes a ReplyError inside a reply as its wire shape, as JSON does', () => {
      // {"id":3,"error":{"code":107,"message":"bad request","temporary":false}}
      expect(hex(msgpackCodec.encode({ id: 3, error: new ReplyError(107) }))).toBe(
        '82a2696403a56572726f7283a4636f64656ba76d657373616765ab6261642072657175657374a974656d706f72617279c2',
      );
    });
  });

  describe('#join', () => {
    it('concatenates frames', () => {
      expect(hex(msgpackCodec.join([bytes(PING_1), bytes(PING_PUSH), bytes(PING_2)]))).toBe(PING_1 + PING_PUSH + PING_2);
    });

    it('gives back a single frame unchanged', () => {
      expect(hex(msgpackCodec.join([bytes(PING_1)]))).toBe(PING_1);
    });

    it('refuses a text frame', () => {
      expect(() => msgpackCodec.join([bytes(PING_1), '{"type":"ping"}'])).toThrowError(
        new ProtocolError('PROTO_ERR_UNEXPECTED_TEXT', 'cannot join a text frame into a MessagePack message'),
      );
    });
  });

  describe('#decode', () => {
    it('reads one frame', () => {
      expect(msgpackCodec.decode(bytes(PING_1))).toEqual([{ id: 1, method: 'ping' }]);
    });

    it('reads concatenated frames in order', () => {
      expect(msgpackCodec.decode(bytes(PING_1 + PING_PUSH + PING_2))).toEqual([
        { id: 1, method: 'ping' },
        { type: 'ping' },
        { id: 2, method: 'ping' },
      ]);
    });

    it('gives back what join was given, in order', () => {
      const values = [{ id: 1, result: {} }, { type: 'ping' }, { id: 2, result: { data: [1, 'two', null] } }];
      const message = msgpackCodec.join(values.map((value) => msgpackCodec.encode(value)));
      expect(msgpackCodec.decode(message)).toEqual(values);
    });

    it('reads a view into a larger buffer, as ws hands out', () => {
      const pool = bytes(`ffff${PING_1}ffff`);
      expect(msgpackCodec.decode(pool.subarray(2, 2 + PING_1.length / 2))).toEqual([{ id: 1, method: 'ping' }]);
    });

    it('reads bin as Uint8Array', () => {
      const [value] = msgpackCodec.decode(bytes('82a474797065a76d657373616765a464617461c403010203'));
      expect(value).toEqual({ type: 'message', data: Uint8Array.from([1, 2, 3]) });
    });

    it('reads a float64 1.0 id as the number 1', () => {
      // {"id":1.0,"method":"ping"}
      expect(msgpackCodec.decode(bytes('82a26964cb3ff0000000000000a66d6574686f64a470696e67'))).toEqual([{ id: 1, method: 'ping' }]);
    });

    it('rejects a text frame', () => {
      expect(decodeError('{"id":1,"method":"ping"}')).toEqual(
        new ProtocolError('PROTO_ERR_UNEXPECTED_TEXT', 'text frame on a MessagePack connection'),
      );
      expect(decodeError('{"id":1,"method":"ping"}').code).toBe('PROTO_ERR_UNEXPECTED_TEXT');
    });

    it('rejects an empty frame', () => {
      const error = decodeError(new Uint8Array(0));
      expect(error.code).toBe('PROTO_ERR_MALFORMED_FRAME');
      expect(error.message).toBe('empty frame');
    });

    it('rejects every truncation of a valid frame', () => {
      const frame = bytes(PING_1);
      for (let length = 1; length < frame.byteLength; length++) {
        const error = decodeError(frame.subarray(0, length));
        expect(error.code, `length ${length}`).toBe('PROTO_ERR_MALFORMED_FRAME');
        expect(error.message).toBe('invalid MessagePack frame');
      }
    });

    it.each([
      [`${PING_1}82a26964`, 'a valid frame followed by a truncated one'],
      ['c1', 'the never-used type byte 0xc1'],
      [`${PING_1}c1`, 'a valid frame followed by 0xc1'],
      ['81a95f5f70726f746f5f5f01', 'a map with a __proto__ key'],
      ['81c40161c0', 'a map with a binary key'],
    ])('rejects %s (%s)', (input) => {
      const error = decodeError(bytes(input));
      expect(error.code).toBe('PROTO_ERR_MALFORMED_FRAME');
      expect(error.message).toBe('invalid MessagePack frame');
      expect(error.cause).toBeInstanceOf(Error);
    });
  });
});
