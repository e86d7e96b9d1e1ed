/**
 * @module emitter
 * A tiny typed event emitter. `on` returns a disposer; a throwing listener never breaks dispatch.
 */

/** Removes the listener it was returned for; calling it twice is harmless. */
export type Disposer = () => void;

export type Listener<T> = (payload: T) => void;

/** `Events` maps each event name to its payload type. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onListenerError: (error: unknown, event: keyof Events) => void;

  /** `onListenerError` receives what a listener threw; dispatch goes on to the next listener. */
  constructor(onListenerError: (error: unknown, event: keyof Events) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Registers `listener` for `event`. @example const off = sub.on('publication', show); off(); */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Disposer {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    // Wrap so that registering the same function twice gives two independent registrations.
    const entry: Listener<Events[K]> = (payload) => listener(payload);
    set.add(entry as Listener<never>);
    return () => {
      set.delete(entry as Listener<never>);
    };
  }

  /** Like `on`, but the listener runs at most once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): Disposer {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    // Copy: a listener may add or remove listeners while we dispatch.
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAll(): void {
    this.#listeners.clear();
  }
}
