/**
 * @module codec
 * The Codec role: bytes <-> plain values for one encoding, chosen by WebSocket subprotocol.
 * Codecs only encode; what a value must look like is checked by parse.ts.
 */

/** One transport message: text for JSON, binary for MessagePack. */
export type Frame = string | Uint8Array;

export type EncodingName = 'json' | 'msgpack';

export interface Codec {
  readonly name: EncodingName;
  /** The WebSocket subprotocol that selects this codec. */
  readonly subprotocol: string;
  /** Whether frames are sent as binary WebSocket messages. */
  readonly binary: boolean;
  /**
   * The protocol version its connections speak. Version 2 differs from 1 only in the
   * publication push of the fan-out (compact.ts). @default 1
   */
  readonly version?: 1 | 2;
  /** Encodes one value (a command, reply or push) into one frame. */
  encode(value: unknown): Frame;
  /**
   * Joins frames already produced by `encode` into one transport message that `decode` splits
   * back in order (JSON: newline-separated; MessagePack: concatenated values).
   */
  join(frames: readonly Frame[]): Frame;
  /**
   * Splits one transport message into the values it carries, in order.
   * Throws ProtocolError (PROTO_ERR_MALFORMED_FRAME, PROTO_ERR_UNEXPECTED_*) on bad input;
   * never returns an empty array.
   */
  decode(message: Frame): unknown[];
}

/** Subprotocol of the JSON encoding. */
export const JSON_SUBPROTOCOL = 'relais.v1.json';
/** Subprotocol of the MessagePack encoding. */
export const MSGPACK_SUBPROTOCOL = 'relais.v1.msgpack';
/** Subprotocol of the JSON encoding, protocol v2 (compact publication pushes). */
export const JSON_V2_SUBPROTOCOL = 'relais.v2.json';
/** Subprotocol of the MessagePack encoding, protocol v2 (compact publication pushes). */
export const MSGPACK_V2_SUBPROTOCOL = 'relais.v2.msgpack';
