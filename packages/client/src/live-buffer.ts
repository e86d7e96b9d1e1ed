/**
 * @module live-buffer
 * The live publications a subscription holds back while it is not yet subscribed: those that
 * arrive with its subscribe reply, and those pushed while a paged recovery reads history. The
 * latter can be many (a slow recovery of a busy channel), so once `bounded` it holds at most
 * `max`, the newest: it lets go of the oldest and remembers the highest offset it let go of,
 * and the recovery reads history up to there (history holds every numbered publication), so
 * each is still delivered once and in order.
 */
import type { Positioned } from './stream-tracker.js';

export class LiveBuffer<P extends Positioned> {
  readonly #max: number;
  #held: P[] = [];
  #bounded = false;
  #droppedTo: number | undefined;
  #newest: number | undefined;

  /** `max`: most publications held once bounded (a positive integer). */
  constructor(max: number) {
    this.#max = max;
  }

  /** How many are held now. */
  get size(): number {
    return this.#held.length;
  }

  /**
   * The highest offset let go of since the last `clear`, if any: the recovery must deliver up
   * to it from history; what is held follows on from it.
   */
  get droppedTo(): number | undefined {
    return this.#droppedTo;
  }

  /** The highest offset pushed since the last `clear`, held or let go of. */
  get newest(): number | undefined {
    return this.#newest;
  }

  /**
   * From now on hold at most `max` (a paged recovery started). Before, the buffer only holds
   * what arrives in the same message as the subscribe reply, which the transport bounds.
   */
  bound(): void {
    this.#bounded = true;
    this.#trim();
  }

  push(pub: P): void {
    this.#held.push(pub);
    if (pub.offset !== undefined) this.#newest = Math.max(this.#newest ?? pub.offset, pub.offset);
    if (this.#bounded) this.#trim();
  }

  /** Hands over what is held, oldest first, and starts over (unbounded, nothing let go of). */
  take(): P[] {
    const held = this.#held;
    this.clear();
    return held;
  }

  clear(): void {
    this.#held = [];
    this.#bounded = false;
    this.#droppedTo = undefined;
    this.#newest = undefined;
  }

  /**
   * Lets go of the oldest beyond `max`: numbered ones are read again from history; ephemeral
   * ones (no offset) are lost, as they are never kept (they would be stale by then anyway).
   */
  #trim(): void {
    const excess = this.#held.length - this.#max;
    if (excess <= 0) return;
    for (const pub of this.#held.splice(0, excess)) {
      if (pub.offset !== undefined) this.#droppedTo = Math.max(this.#droppedTo ?? pub.offset, pub.offset);
    }
  }
}
