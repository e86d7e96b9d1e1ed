/**
 * @module json-codec
 * JSON encoding (subprotocols `relais.v1.json` and `relais.v2.json`): one JSON object per line,
 * text frames.
 */
import { JSON_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, type Codec, type Frame } from './codec.js';
import { ProtocolError } from './errors.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function toText(message: Frame): string {
  if (typeof message === 'string') return message;
  try {
    return textDecoder.decode(message);
  } catch (cause) {
    throw new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'frame is not valid UTF-8', { cause });
  }
}

export const jsonCodec: Codec = {
  name: 'json',
  subprotocol: JSON_SUBPROTOCOL,
  binary: false,

  encode(value: unknown): string {
    return JSON.stringify(value);
  },

  join(frames: readonly Frame[]): string {
    // JSON.stringify never emits a raw newline, so '\n' is a safe separator.
    return frames.map((frame) => (typeof frame === 'string' ? frame : toText(frame))).join('\n');
  },

  decode(message: Frame): unknown[] {
    const text = toText(message);
    const values: unknown[] = [];
    let line = 0;
    for (const part of text.split('\n')) {
      line++;
      if (part.trim() === '') continue;
      try {
        values.push(JSON.parse(part));
      } catch (cause) {
        throw new ProtocolError('PROTO_ERR_MALFORMED_FRAME', `invalid JSON in frame line ${line}`, { cause });
      }
    }
    if (values.length === 0) {
      throw new ProtocolError('PROTO_ERR_MALFORMED_FRAME', 'empty frame');
    }
    return values;
  },
};

/** The same encoding for protocol v2: its connections get compact publication pushes. */
export const jsonV2Codec: Codec = { ...jsonCodec, subprotocol: JSON_V2_SUBPROTOCOL, version: 2 };
