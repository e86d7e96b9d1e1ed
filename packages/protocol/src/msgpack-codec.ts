/**
 * @module msgpack-codec
 * MessagePack encoding (subprotocols `relais.v1.msgpack` and `relais.v2.msgpack`): concatenated
 * values, binary frames.
 */
import { decodeMulti, encode } from '@msgpack/msgpack';
import { MSGPACK_SUBPROTOCOL, MSGPACK_V2_SUBPROTOCOL, type Codec, type Frame } from './codec.js';
import { ProtocolError, ReplyError } from './errors.js';

/**
 * JSON.stringify calls ReplyError#toJSON; @msgpack/msgpack does not, and would write the
 * instance's own fields (`name`, `code`, `temporary`) without the non-enumerable `message`.
 * Replies are the one place a ReplyError travels, so map it to its wire shape there.
 */
function toWire(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'error' in value && value.error instanceof ReplyError) {
    return { ...value, error: value.error.toJSON() };
  }
  return value;
}

export const msgpackCodec: Codec = {
  name: 'msgpack',
  subprotocol: MSGPACK_SUBPROTOCOL,
  binary: true,

  encode(value: unknown): Uint8Array {
    // ignoreUndefined: optional fields left undefined are omitted, as in JSON.
    return encode(toWire(value), { ignoreUndefined: true });
  },

  join(frames: readonly Frame[]): Uint8Array {
    let size = 0;
    for (const frame of frames) {
      if (typeof frame === 'string') {
        throw new ProtocolError('PROTO_ERR_UNEXPECTED_TEXT', 'cannot join a text frame into a MessagePack message');
      }
      size += frame.byteLength;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const frame of frames as readonly Uint8Array[]) {
      out.set(frame, at);
      at += frame.byteLength;
    }
    return out;
  },

  decode(message: Frame): unknown[] {
    if (typeof message === 'string') {
      throw new ProtocolError('PROTO_ERR_UNEXPECTED_TEXT', 'text frame on a MessagePack connection');
    }
    if (message.byteLength === 0) {
      throw new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'empty frame');
    }
    const values: unknown[] = [];
    try {
      for (const value of decodeMulti(message)) values.push(value);
    } catch (cause) {
      throw new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'invalid MessagePack frame', { cause });
    }
    return values;
  },
};

/** The same encoding for protocol v2: its connections get compact publication pushes. */
export const msgpackV2Codec: Codec = { ...msgpackCodec, subprotocol: MSGPACK_V2_SUBPROTOCOL, version: 2 };
