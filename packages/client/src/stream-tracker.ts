/**
 * @module stream-tracker
 * The position a subscription has reached in its channel's stream, and the de-duplication of
 * publications by offset. Pure: no I/O, so recovery merges are tested with fixtures.
 */
import type { StreamPosition, SubscribeResult } from '@relais/protocol';

/** What the tracker needs of a publication. */
export interface Positioned {
  offset?: number;
  epoch?: string;
}

export class StreamTracker {
  #position: StreamPosition | undefined;

  /** The last position delivered; undefined on channels without history. */
  get position(): StreamPosition | undefined {
    return this.#position && { ...this.#position };
  }

  /** Starts from a position known from elsewhere (the `since` subscribe option). */
  start(position: StreamPosition): void {
    this.#position = { offset: position.offset, epoch: position.epoch };
  }

  /** Forgets the position (unsubscribed, or the server could not recover it). */
  reset(): void {
    this.#position = undefined;
  }

  /**
   * A subscribe reply arrived. Its `publications` (recovered ones) are delivered as they are;
   * the position becomes the stream's top, so later pushes at or below it are duplicates.
   */
  subscribed(result: SubscribeResult): void {
    this.#position =
      result.recoverable && result.offset !== undefined && result.epoch !== undefined
        ? { offset: result.offset, epoch: result.epoch }
        : undefined;
  }

  /**
   * Whether a live publication is new; moves the position forward. Publications without an
   * offset (ephemeral ones, channels without history) are always new.
   */
  accept(pub: Positioned): boolean {
    const position = this.#position;
    if (pub.offset === undefined || !position) return true;
    if (pub.epoch !== undefined && pub.epoch !== position.epoch) {
      // The server's stream was reset while we were subscribed: follow the new epoch.
      this.#position = { offset: pub.offset, epoch: pub.epoch };
      return true;
    }
    if (pub.offset <= position.offset) return false;
    position.offset = pub.offset;
    return true;
  }
}
