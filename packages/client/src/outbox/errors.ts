/**
 * @module outbox/errors
 * What the durable outbox rejects with, besides the Client's own errors.
 */
import { RelaisError } from '../errors.js';

/** A durable publish older than the outbox's maxAgeMs: dropped, not sent again. */
export class OutboxExpiredError extends RelaisError {
  override readonly name = 'OutboxExpiredError';
  readonly ageMs: number;

  constructor(channel: string, ageMs: number, maxAgeMs: number) {
    super('RELAIS_ERR_OUTBOX_EXPIRED', `publish to ${channel} dropped from the outbox: ${ageMs} ms old, maxAgeMs is ${maxAgeMs}`);
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
