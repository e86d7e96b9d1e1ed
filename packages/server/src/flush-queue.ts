/**
 * @module flush-queue
 * One flush for every connection with queued frames. A fan-out to N subscribers queues N
 * frames; rather than N scheduled callbacks (Node's `queueMicrotask` allocates an async
 * resource and a bound function for each), the connections join one list that a single
 * microtask flushes. Frames queued in the same synchronous burst for one connection still go
 * out as one transport message.
 */

/** A connection whose queued frames the queue writes out. */
export interface Flushable {
  /** Writes what is queued. Called once per `add`, after the current synchronous work. */
  flushOutbox(): void;
}

export class FlushQueue {
  // Two arrays swap roles, and each is emptied slot by slot (`length = 0` would drop its
  // backing store and the next flush grow a new one): nothing is allocated per flush.
  #due: (Flushable | undefined)[] = [];
  #dueLength = 0;
  #spare: (Flushable | undefined)[] = [];
  #scheduled = false;
  readonly #run = (): void => this.flush();

  /** Flushes `item` in the next microtask; callers add an item once until it was flushed. */
  add(item: Flushable): void {
    this.#due[this.#dueLength++] = item;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#run);
  }

  /** Flushes everything added so far. Items added while it runs wait for the next microtask. */
  flush(): void {
    this.#scheduled = false;
    const due = this.#due;
    const length = this.#dueLength;
    this.#due = this.#spare;
    this.#dueLength = 0;
    for (let i = 0; i < length; i++) {
      const item = due[i] as Flushable;
      due[i] = undefined;
      try {
        item.flushOutbox();
      } catch (error) {
        // flushOutbox never throws; should one, the other connections are still flushed and
        // the process goes on.
        process.emitWarning(`relais: a connection's flush threw: ${String(error)}`);
      }
    }
    this.#spare = due;
  }
}

/** The queue every session of this process uses: flush order across connections is free. */
export const sharedFlushQueue = new FlushQueue();
