/**
 * @module api/fields
 * Reads the fields of one API method's params, with a 107 (bad request) naming the field for
 * anything missing, of the wrong type, or unknown. Pure.
 */
import { channelError, dataError, isWellFormed } from '@relais/protocol';
import { badRequest } from './errors.js';

/** The params of one call, checked to be an object whose keys are all in `known`. */
export type Params = Record<string, unknown>;

/** `params` as an object with only `known` keys (a typo is an error, not a silent default). */
export function paramsOf(method: string, params: unknown, known: readonly string[]): Params {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw badRequest(`${method}: params must be a JSON object`);
  for (const key of Object.keys(params)) {
    if (!known.includes(key))
      throw badRequest(`${method}: unknown field ${JSON.stringify(key)} (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
  }
  return params as Params;
}

/** A required, non-empty, well-formed string. */
export function requiredString(params: Params, field: string): string {
  const value = params[field];
  if (value === undefined) throw badRequest(`field ${field} is required`);
  return checkString(field, value, false);
}

/** An optional well-formed string; undefined when absent. */
export function optionalString(params: Params, field: string): string | undefined {
  const value = params[field];
  return value === undefined ? undefined : checkString(field, value, true);
}

function checkString(field: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw badRequest(`field ${field} must be a string, got ${typeName(value)}`);
  if (!allowEmpty && value === '') throw badRequest(`field ${field} must not be empty`);
  if (!isWellFormed(value)) throw badRequest(`field ${field} must be well-formed Unicode (it holds a lone surrogate)`);
  return value;
}

/** A channel name the protocol accepts. */
export function channelField(params: Params, field = 'channel'): string {
  const value = params[field];
  if (value === undefined) throw badRequest(`field ${field} is required`);
  const problem = channelError(value);
  if (problem) throw badRequest(`field ${field}: ${problem}`);
  return value as string;
}

/** An optional boolean; undefined when absent. */
export function optionalBoolean(params: Params, field: string): boolean | undefined {
  const value = params[field];
  if (value === undefined || typeof value === 'boolean') return value;
  throw badRequest(`field ${field} must be a boolean, got ${typeName(value)}`);
}

/** An optional integer in min..max; undefined when absent. */
export function optionalInteger(params: Params, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = params[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw badRequest(`field ${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return value;
}

/** A required integer in min..max. */
export function requiredInteger(params: Params, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (params[field] === undefined) throw badRequest(`field ${field} is required`);
  return optionalInteger(params, field, min, max) as number;
}

/**
 * The `data` field: present (null is a value), portable and nested at most `maxDepth`. What a
 * JSON body can hold is portable but for `__proto__` keys and lone surrogates (`"\ud800"`).
 */
export function dataField(params: Params, maxDepth: number, field = 'data'): unknown {
  if (!(field in params)) throw badRequest(`field ${field} is required`);
  const problem = dataError(params[field], { maxDepth, portable: true }, field);
  if (problem) throw badRequest(problem.message);
  return params[field];
}

/** A required array, of at most `max` items. */
export function arrayField(params: Params, field: string, max: number): unknown[] {
  const value = params[field];
  if (value === undefined) throw badRequest(`field ${field} is required`);
  if (!Array.isArray(value)) throw badRequest(`field ${field} must be an array, got ${typeName(value)}`);
  if (value.length === 0) throw badRequest(`field ${field} must not be empty`);
  if (value.length > max) throw badRequest(`field ${field} holds ${value.length} items, more than the ${max} allowed`);
  return value;
}

/** Exactly one of `user` and `client` (the connections a cluster-wide method acts on). */
export function targetField(params: Params): { user: string } | { client: string } {
  const { user, client } = params;
  if ((user === undefined) === (client === undefined)) throw badRequest('give exactly one of the fields user and client');
  return user !== undefined ? { user: checkString('user', user, false) } : { client: checkString('client', client, false) };
}

/** How a JSON value's type reads in a message. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
