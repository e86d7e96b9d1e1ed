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

  /**
   * The client answered ack `id` with `args`: its callback runs (an error it throws goes to
   * `onError`). False when no ack waited for `id`.
   */
  answer(id: number, args: unknown[], onError: (error: unknown) => void): boolean {
    const ack = this.take(id);
    if (!ack) return false;
    try {
      ack(...args);
    } catch (error) {
      onError(error);
    }
    return true;
  }

  /** Forgets every pending ack (their timeouts never fire). */
  clear(): void {
    for (const ack of this.#acks.values()) ack.cancel?.();
    this.#acks.clear();
  }
}

/** The ack function handed to a listener of an event with an id: the first call sends the ACK, later ones do nothing. */
export function replyOnce(send: (args: unknown[]) => void): Ack {
  let sent = false;
  return (...args: unknown[]) => {
    if (sent) return;
    sent = true;
    send(args);
  };
}
