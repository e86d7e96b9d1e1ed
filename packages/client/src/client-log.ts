/**
 * @module client-log
 * A client's logging: debug lines, switched on and off at runtime, and the errors of event
 * listeners that threw (always logged, debug or not).
 */
import type { Logger } from './options.js';

export class ClientLog {
  /** Whether debug lines are written. */
  debugging: boolean;
  readonly #logger: Logger;

  constructor(logger: Logger | undefined, debugging: boolean) {
    this.#logger = logger ?? (globalThis.console as Logger);
    this.debugging = debugging;
  }

  /** A debug line, when debugging (bound: pass it as a callback). */
  readonly debug = (message: string, ...details: unknown[]): void => {
    if (this.debugging) this.#logger.debug(`relais: ${message}`, ...details);
  };

  /** A listener of `event` threw: to the logger's `error`, else its `debug` (bound). */
  readonly listenerError = (error: unknown, event: string): void => {
    const log = this.#logger.error ?? this.#logger.debug;
    log.call(this.#logger, `relais: a '${event}' listener threw`, error);
  };
}
