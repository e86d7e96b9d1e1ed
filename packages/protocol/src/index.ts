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
