/**
 * @module errors
 * The failures of the change feed that its owner must act on (configuration, database setup).
 */

/** The database cannot feed changes as configured; `message` says what to do. */
export class PostgresFeedError extends Error {
  override readonly name = 'PostgresFeedError';
}
