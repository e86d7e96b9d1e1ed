/**
 * @module @relais/protocol
 * relais wire protocol v1: frames, codes, errors and codecs. Isomorphic: no Node-only APIs.
 */
export * from './codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './codec.js';
export { jsonCodec } from './json-codec.js';
export { msgpackCodec } from './msgpack-codec.js';
export { channelError, parseCommand, parseServerFrame, type ParsedCommand } from './parse.js';
export { CODECS, codecForSubprotocol, negotiateSubprotocol, namespaceOf } from './negotiate.js';
