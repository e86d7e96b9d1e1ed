/**
 * @module pending-acks
 * The acks a socket waits for from its client: one id each, with an optional timeout after
 * which the callback gets an error (`socket.timeout(ms).emit(…, cb)`).
 */
import { ACK_TIMEOUT_MESSAGE } from './roles.js';

export type Ack = (...args: unknown[]) => void;

export class PendingAcks {
  readonly #acks = new Map<number, Ack & { cancel?: () => void }>();
  #nextId = 0;

  /** Registers `ack`; with `timeoutMs` it gets `(null, ...args)`, or `(error)` when time is up. Returns its id. */
  add(ack: Ack, timeoutMs: number | undefined): number {
    const id = this.#nextId++;
    if (timeoutMs === undefined) {
      this.#acks.set(id, ack);
      return id;
    }
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      ack(new Error(ACK_TIMEOUT_MESSAGE));
    }, timeoutMs);
    timer.unref();
    const timed = Object.assign(
      (...args: unknown[]) => {
        clearTimeout(timer);
        ack(null, ...args);
      },
      { cancel: () => clearTimeout(timer) },
    );
    this.#acks.set(id, timed);
    return id;
  }

  /** The ack waiting for `id`, taken out; undefined when none waits. */
  take(id: number): Ack | undefined {
    const ack = this.#acks.get(id);
    this.#acks.delete(id);
    return ack;
  }

  /** Forgets every pending ack (their timeouts never fire). */
  clear(): void {
    for (const ack of this.#acks.values()) ack.cancel?.();
    this.#acks.clear();
  }
}
