/**
 * @module wire
 * What travels on a relais pub/sub channel in Redis: one MessagePack value per message, so
 * binary data survives between nodes. The channel itself is the Redis channel's name.
 */
import { msgpackCodec } from '@relais/protocol';
import type { Publication } from '@relais/server';

/** A publication without its channel, tagged with its kind. */
export interface PublicationMessage {
  type: 'publication';
  pub: Omit<Publication, 'channel'>;
}

export type WireMessage = PublicationMessage;

export function encodePublication(pub: Publication): Uint8Array {
  const { channel: _channel, ...rest } = pub;
  const message: PublicationMessage = { type: 'publication', pub: rest };
  return msgpackCodec.encode(message) as Uint8Array;
}

/** Decodes a message; throws on anything that is not a relais message. */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  // Binary values decode as views of the input: give a plain Uint8Array, not a Node Buffer, so
  // that data reads the same as on the memory engine.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [value] = msgpackCodec.decode(view);
  if (typeof value !== 'object' || value === null) throw new TypeError('not a relais message');
  const message = value as Partial<PublicationMessage>;
  if (message.type === 'publication' && typeof message.pub === 'object' && message.pub !== null) {
    return message as PublicationMessage;
  }
  throw new TypeError(`unknown relais message type ${JSON.stringify(message.type)}`);
}
