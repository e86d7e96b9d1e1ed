/**
 * @module outbox/errors
 * What the durable outbox rejects with, besides the Client's own errors.
 */
import { RelaisError } from '../errors.js';

/** A durable publish or RPC older than the outbox's maxAgeMs: dropped, not sent again. */
export class OutboxExpiredError extends RelaisError {
  override readonly name = 'OutboxExpiredError';
  readonly ageMs: number;

  /** `what`: what was dropped, e.g. `publish to chat:a` or `rpc order`. */
  constructor(what: string, ageMs: number, maxAgeMs: number) {
    super('RELAIS_ERR_OUTBOX_EXPIRED', `${what} dropped from the outbox: ${ageMs} ms old, maxAgeMs is ${maxAgeMs}`);
    this.ageMs = ageMs;
  }
}

/** The outbox's storage failed (IndexedDB refused, unreadable file). */
export class OutboxStoreError extends RelaisError {
  override readonly name = 'OutboxStoreError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RELAIS_ERR_OUTBOX_STORE', message, options);
  }
}
