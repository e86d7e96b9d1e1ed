/**
 * @module outbox
 * The frames one connection queued since its last flush, in order. Most flushes write exactly
 * one frame (one publication per subscriber per turn), so the first frame has a field of its
 * own and only the frames after it go in an array. That array is kept between flushes and
 * emptied slot by slot: `length = 0` would drop V8's backing store, and the next push would
 * allocate a new one, about 150 bytes per delivery. `first` and `more` are plain fields: the
 * session's per-delivery path reads them (and sets `first`) without a call.
 */
import type { Codec, Frame } from '@relais/protocol';
import { frameBytes } from './transport.js';

/** Slots of the array of later frames kept from one flush to the next. */
export const KEPT_REST_SLOTS = 64;

export class Outbox {
  /** The first frame queued; undefined when the outbox is empty (then `more` is 0). */
  first: Frame | undefined = undefined;
  /** Frames queued after `first`. Read it, never write it. */
  more = 0;
  /** Frames after the first; slots past `more` are undefined. Created on first use. */
  #rest: (Frame | undefined)[] | undefined = undefined;

  /** Frames queued. */
  get size(): number {
    return this.first === undefined ? 0 : 1 + this.more;
  }

  push(frame: Frame): void {
    if (this.first === undefined) {
      this.first = frame;
      return;
    }
    const rest = (this.#rest ??= []);
    rest[this.more++] = frame;
  }

  /** The queued frames as one transport message (joined by `codec` when there are several); undefined when empty. */
  message(codec: Codec): Frame | undefined {
    if (this.more === 0) return this.first;
    return codec.join(this.frames());
  }

  /** A copy of the queued frames, in order. */
  frames(): Frame[] {
    if (this.first === undefined) return [];
    const frames: Frame[] = [this.first];
    for (let i = 0; i < this.more; i++) frames.push(this.#rest![i] as Frame);
    return frames;
  }

  /** Bytes of the queued frames, one separator each. */
  bytes(): number {
    if (this.first === undefined) return 0;
    let bytes = frameBytes(this.first) + 1;
    for (let i = 0; i < this.more; i++) bytes += frameBytes(this.#rest![i] as Frame) + 1;
    return bytes;
  }

  /**
   * Forgets every frame (references included, so they can be collected). An array grown past
   * KEPT_REST_SLOTS by a burst is dropped rather than kept for the connection's lifetime.
   */
  clear(): void {
    this.first = undefined;
    const rest = this.#rest;
    if (rest === undefined) return;
    if (rest.length > KEPT_REST_SLOTS) this.#rest = undefined;
    else for (let i = 0; i < this.more; i++) rest[i] = undefined;
    this.more = 0;
  }
}
