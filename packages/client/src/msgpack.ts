/**
 * @module msgpack
 * The MessagePack encoding (subprotocol `relais.v1.msgpack`, binary frames), opt-in: an app that
 * never imports this entry point does not ship @msgpack/msgpack in its bundle.
 * @example
 * import { Client } from '@relais/client';
 * import { msgpack } from '@relais/client/msgpack';
 * const client = new Client(url, { encoding: msgpack });
 */
export { msgpackCodec as msgpack } from '@relais/protocol';
