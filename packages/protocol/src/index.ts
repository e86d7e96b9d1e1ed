/**
 * @module @relais/protocol
 * relais wire protocol v1 and v2: frames, codes, errors and codecs. Isomorphic: no Node-only APIs.
 */
export * from './codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './codec.js';
export { jsonCodec, jsonV2Codec } from './json-codec.js';
export { msgpackCodec, msgpackV2Codec } from './msgpack-codec.js';
export { compactPublication, expandPublication, type CompactPublication } from './compact.js';
export { MAX_DATA_DEPTH, dataError, isWellFormed, type DataProblem, type DataRules } from './data.js';
export { channelError, parseCommand, parseServerFrame, type ParseOptions, type ParsedCommand } from './parse.js';
export { CODECS, codecForSubprotocol, negotiateSubprotocol, namespaceOf } from './negotiate.js';
export {
  describeIssues,
  isStandardSchema,
  type InferInput,
  type InferOutput,
  type StandardIssue,
  type StandardPathSegment,
  type StandardResult,
  type StandardSchema,
} from './standard-schema.js';
export * from './contract.js';
