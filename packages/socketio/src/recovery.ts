/**
 * @module recovery
 * Connection state recovery (`connectionStateRecovery`): the events a socket was sent, each with
 * an offset the client echoes when it reconnects (`40{"pid","offset"}`), so that the ones it
 * missed are sent again, once, in order. A socket cut off without leaving (transport close or
 * error, ping timeout) keeps its id, rooms, data and channel subscriptions for
 * maxDisconnectionDuration, and keeps collecting the events sent to it meanwhile.
 */

/** Disconnect reasons after which a socket may come back (the client did not leave). */
export const RECOVERABLE_REASONS: ReadonlySet<string> = new Set(['transport close', 'transport error', 'ping timeout']);

export interface RecoveryOptions {
  /** Ms a cut-off socket is kept for its client to come back. */
  maxDisconnectionMs: number;
  /** Whether a recovered socket skips the namespace's middlewares. */
  skipMiddlewares: boolean;
  /** Most events kept per socket; a client that missed more starts a new session. */
  maxEvents: number;
}

/** An event kept for recovery: `[name, ...args]`, and what tells it apart across nodes (see remote-recovery). */
export interface KeptEvent {
  data: unknown[];
  /** `c:<channel>:<epoch>:<offset>` for a room publication with an offset, `b:<id>` for a cluster broadcast. */
  key?: string;
}

/** The events sent to one socket, by offset (a decimal counter, as a string on the wire). */
export class RecoveryBuffer {
  readonly #maxEvents: number;
  #events: Array<{ offset: number } & KeptEvent> = [];
  #next = 0;

  constructor(maxEvents: number) {
    this.#maxEvents = maxEvents;
  }

  /** Stores an event's data (`[name, ...args]`); returns the offset to append to it. */
  add(data: unknown[], key?: string): string {
    const offset = this.#next++;
    this.#events.push(key === undefined ? { offset, data } : { offset, data, key });
    if (this.#events.length > this.#maxEvents) this.#events.shift();
    return String(offset);
  }

  /**
   * The events after `offset` (all of them without one, when none was dropped), each with its
   * offset appended; undefined when the buffer no longer reaches back that far.
   */
  since(offset: unknown): unknown[][] | undefined {
    return this.#after(offset)?.map((event) => [...event.data, String(event.offset)]);
  }

  /** The events after `offset` as kept (without offsets), for another node to send; undefined as for `since`. */
  keptSince(offset: unknown): KeptEvent[] | undefined {
    return this.#after(offset)?.map(({ data, key }) => (key === undefined ? { data } : { data, key }));
  }

  #after(offset: unknown): Array<{ offset: number } & KeptEvent> | undefined {
    const first = this.#events[0]?.offset ?? this.#next;
    let from: number;
    if (offset === undefined) from = 0;
    else if (typeof offset === 'string' && /^\d{1,15}$/.test(offset)) from = Number(offset) + 1;
    else return undefined;
    if (from < first || from > this.#next) return undefined;
    return this.#events.filter((event) => event.offset >= from);
  }
}
