/**
 * @module data-checks
 * Data from the server side (the server API, hook and handler results) meets the rules that
 * client data meets when commands are parsed, before it reaches the engine or a client. A bug
 * in a hook or a caller then gets an error naming it, instead of a publication that some
 * subscriber cannot decode or a history that no reply can carry.
 */
import { dataError, isWellFormed } from '@relais/protocol';

/**
 * Throws a TypeError `${what}: data… is …` when `data` breaks the rules: nested deeper than
 * `maxDepth`, or, when `portable` (publications: every encoding, and history), not carried
 * identically by JSON and MessagePack. Data sent to one connection need not be portable, but
 * is bounded in depth and never holds a `__proto__` key (MessagePack clients refuse it).
 */
export function checkData(what: string, data: unknown, maxDepth: number, portable: boolean): void {
  const problem = dataError(data, { maxDepth, portable });
  if (problem) throw new TypeError(`${what}: ${problem.message}`);
}

/**
 * What is wrong with the identity a connection would get, or undefined. The user id and the
 * info travel in publications, presence and join/leave to every encoding, and user ids become
 * engine keys: the user must be a well-formed string, the info portable.
 */
export function identityError(user: unknown, info: unknown, maxDepth: number): string | undefined {
  if (typeof user !== 'string') return 'user must be a string';
  if (!isWellFormed(user)) return 'user must be well-formed Unicode (it holds a lone surrogate)';
  if (info === undefined) return undefined;
  return dataError(info, { maxDepth, portable: true }, 'info')?.message;
}

/** Throws a TypeError when an optional string of the server API is not a well-formed string. */
export function checkOptionalString(what: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  if (!isWellFormed(value)) throw new TypeError(`${what} must be well-formed Unicode (it holds a lone surrogate)`);
}
