/**
 * @module publication-body
 * The encoded form in which engines keep a publication of history: MessagePack of the
 * publication without its channel, offset and epoch (the engine knows those). Written once
 * here for every engine (the memory engine keeps these bytes; the Redis engine stores them in
 * its streams and pub/sub messages), so `historyMaxBytes` counts the same bytes everywhere.
 */
import { msgpackCodec } from '@relais/protocol';
import type { Publication } from './broker.js';

/** What a publication body holds: a publication without channel, offset and epoch. */
export type PublicationBody = Omit<Publication, 'channel' | 'offset' | 'epoch'>;

/**
 * Encodes `pub`'s body. Fields left undefined are omitted. The result may be a view of a
 * larger buffer: copy what you keep. Throws TypeError when the data cannot be encoded (for
 * example nested deeper than MessagePack's 100 levels, or holding a function or symbol).
 */
export function encodePublicationBody(pub: Publication): Uint8Array {
  const { channel: _channel, offset: _offset, epoch: _epoch, ...body } = pub;
  try {
    return msgpackCodec.encode(body) as Uint8Array;
  } catch (error) {
    throw new TypeError(`publication data cannot be encoded: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes a body written by encodePublicationBody; throws on anything else. Binary values
 * come back as plain Uint8Arrays viewing `bytes`: pass a copy of bytes you keep.
 */
export function decodePublicationBody(bytes: Uint8Array): PublicationBody {
  // A Node Buffer would decode binary values as Buffers: view it as a plain Uint8Array, so data
  // reads the same on every engine.
  const [value] = msgpackCodec.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not a relais publication body');
  return value as PublicationBody;
}
