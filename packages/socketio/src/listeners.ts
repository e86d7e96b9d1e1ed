/**
 * @module listeners
 * A small listener registry for the Socket.IO API's objects, whose `emit` sends to clients and
 * so cannot be an EventEmitter's. A listener that throws is reported, never left to crash the node.
 */

export type Listener = (...args: never[]) => unknown;

export class Listeners {
  readonly #map = new Map<string, Listener[]>();
  readonly #onError: (error: unknown, event: string) => void;

  constructor(onError: (error: unknown, event: string) => void) {
    this.#onError = onError;
  }

  on(event: string, listener: Listener): void {
    this.#map.set(event, [...(this.#map.get(event) ?? []), listener]);
  }

  once(event: string, listener: Listener): void {
    const wrapper = ((...args: never[]) => {
      this.off(event, wrapper);
      return listener(...args);
    }) as Listener & { listener?: Listener };
    wrapper.listener = listener;
    this.on(event, wrapper);
  }

  /** Removes `listener` (or every listener of `event` without one). */
  off(event: string, listener?: Listener): void {
    if (!listener) {
      this.#map.delete(event);
      return;
    }
    const kept = (this.#map.get(event) ?? []).filter(
      (item) => item !== listener && (item as { listener?: Listener }).listener !== listener,
    );
    if (kept.length > 0) this.#map.set(event, kept);
    else this.#map.delete(event);
  }

  clear(): void {
    this.#map.clear();
  }

  listeners(event: string): Listener[] {
    return [...(this.#map.get(event) ?? [])];
  }

  /** Calls the listeners of `event` with `args`; returns whether there were any. */
  emit(event: string, args: unknown[]): boolean {
    const list = this.#map.get(event);
    if (!list) return false;
    for (const listener of [...list]) this.call(listener, args, event);
    return true;
  }

  /** Calls one listener, reporting what it throws or rejects with. */
  call(listener: Listener, args: unknown[], event: string): void {
    try {
      const result = (listener as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) result.catch((error: unknown) => this.#onError(error, event));
    } catch (error) {
      this.#onError(error, event);
    }
  }
}
