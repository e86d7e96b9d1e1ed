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
  #due: Flushable[] = [];
  #spare: Flushable[] = [];
  #scheduled = false;
  readonly #run = (): void => this.flush();

  /** Flushes `item` in the next microtask; callers add an item once until it was flushed. */
  add(item: Flushable): void {
    this.#due.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#run);
  }

  /** Flushes everything added so far. Items added while it runs wait for the next microtask. */
  flush(): void {
    this.#scheduled = false;
    const due = this.#due;
    // Two arrays swap roles, so nothing is allocated per flush.
    this.#due = this.#spare;
    for (let i = 0; i < due.length; i++) {
      try {
        (due[i] as Flushable).flushOutbox();
      } catch (error) {
        // flushOutbox never throws; should one, the other connections are still flushed and
        // the process goes on.
        process.emitWarning(`relais: a connection's flush threw: ${String(error)}`);
      }
    }
    due.length = 0;
    this.#spare = due;
  }
}

/** The queue every session of this process uses: flush order across connections is free. */
export const sharedFlushQueue = new FlushQueue();
