/**
 * @module option-checks
 * The error every option check throws and the small checks they share. A leaf: options,
 * auth, rate-limit, the memory engine and the Redis engine import it, and it imports nothing.
 */

/** Invalid or contradictory options; the message names the option and the rule. */
export class OptionsError extends TypeError {
  override readonly name = 'OptionsError';
}

/** Largest delay a Node.js timer accepts, in ms; longer waits must be chained. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A value as an error message shows it: strings quoted, the rest as String() prints them. */
export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Whether `value` is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` is an integer in 1..max (0..max with `allowZero`) and returns it.
 * `name` is the option's full name, as the message shows it.
 */
export function positiveInteger(name: string, value: unknown, { max = Number.MAX_SAFE_INTEGER, allowZero = false } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new OptionsError(`option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${show(value)}`);
  }
  if (value > max) throw new OptionsError(`option ${name} must be at most ${max}, got ${value}`);
  return value;
}

/** A duration in ms that a timer can wait: an integer in 1..MAX_TIMER_MS (0 too with `allowZero`). */
export function durationMs(name: string, value: unknown, { allowZero = false } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!allowZero && value === 0) || value > MAX_TIMER_MS) {
    throw new OptionsError(`option ${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer of ms, got ${show(value)}`);
  }
  return value;
}

/** Throws when `value` has a key not in `known`; `where` names the object ("option auth"). */
export function rejectUnknownKeys(where: string, value: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new OptionsError(`${where}: unknown option ${JSON.stringify(key)}`);
  }
}

/** A boolean option, or `fallback` when absent. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionsError(`option ${name} must be true or false, got ${show(value)}`);
  return value;
}
