/**
 * @module queue
 * The bounded offline queue: calls made while not connected wait here, in call order, and are
 * flushed in that order once the connection is back.
 */
import { QueueFullError } from './errors.js';
import type { Request } from './request.js';

export class OfflineQueue {
  readonly #items: Request[] = [];
  readonly #maxSize: number;

  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Appends `request`; throws QueueFullError when `maxSize` calls already wait. */
  push(request: Request): void {
    if (this.#items.length >= this.#maxSize) throw new QueueFullError(this.#maxSize);
    this.#items.push(request);
  }

  /**
   * Puts requests that were in flight when the socket dropped back at the head, in their
   * original order: they were issued before anything queued while offline. They may push the
   * queue past `maxSize` (they were already accepted once).
   */
  requeue(requests: readonly Request[]): void {
    this.#items.unshift(...requests);
  }

  remove(request: Request): void {
    const at = this.#items.indexOf(request);
    if (at !== -1) this.#items.splice(at, 1);
  }

  /** Empties the queue and returns its requests in order. */
  drain(): Request[] {
    return this.#items.splice(0, this.#items.length);
  }
}
