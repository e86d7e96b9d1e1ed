/**
 * @module live-buffer
 * The live publications a subscription holds back while it is not yet subscribed: those that
 * arrive with its subscribe reply, and those pushed while a paged recovery reads history. The
 * latter can be many (a slow recovery of a busy channel), so once `bound` it holds at most
 * `max`, the newest: it lets go of the oldest and remembers the highest offset it let go of,
 * and the recovery reads history up to there (history holds every numbered publication), so
 * each is still delivered once and in order.
 */
import type { Positioned } from './stream-tracker.js';

export class LiveBuffer<P extends Positioned> {
  /** What is held, oldest first. */
  held: P[] = [];
  /**
   * The highest offset let go of since the last `take`, if any: the recovery must deliver up
   * to it from history; what is held follows on from it.
   */
  droppedTo: number | undefined;
  readonly #max: number;
  #limit = Infinity;

  /** `max`: most publications held once bounded (a positive integer). */
  constructor(max: number) {
    this.#max = max;
  }

  /**
   * From now on hold at most `max` (a paged recovery started). Before, the buffer only holds
   * what arrives in the same message as the subscribe reply, which the transport bounds.
   */
  bound(): void {
    this.#limit = this.#max;
    this.#trim();
  }

  push(pub: P): void {
    this.held.push(pub);
    this.#trim();
  }

  /** Hands over what is held, oldest first, and starts over (unbounded, nothing let go of). */
  take(): P[] {
    const held = this.held;
    this.held = [];
    this.#limit = Infinity;
    this.droppedTo = undefined;
    return held;
  }

  /**
   * Lets go of the oldest beyond the limit: numbered ones are read again from history; ephemeral
   * ones (no offset) are lost, as they are never kept (they would be stale by then anyway).
   */
  #trim(): void {
    while (this.held.length > this.#limit) {
      const offset = this.held.shift()!.offset;
      if (offset !== undefined) this.droppedTo = offset;
    }
  }
}
