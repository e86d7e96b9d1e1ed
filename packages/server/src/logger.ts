/**
 * @module logger
 * The Logger role: the four levels relais logs at. A pino logger fits it as is.
 */

/** Structured log call: fields first, then a message (pino's argument order). */
export type LogFn = (fields: object, message?: string) => void;

/** What relais needs from a logger; pass `pino()` or anything with the same four methods. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};

/** The default logger: drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
